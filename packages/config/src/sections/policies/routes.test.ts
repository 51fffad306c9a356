import assert from 'node:assert/strict';
import { test } from 'node:test';
import { check, POLICY_SERVICES, runSchema, withServices } from '../../testing.ts';
import { routeMatch } from './match.ts';
import { routes } from './routes.ts';
import { split } from './split.ts';

test('a match reads path, method, headers and query parameters; an empty one matches everything', () => {
  const text =
    'path: { prefix: /users }\nmethod: POST\nheaders: { x-canary: "true" }\nqueryParams: { variant: b }\n';
  assert.deepEqual(runSchema(routeMatch, text).value, {
    path: { prefix: '/users' },
    method: 'POST',
    headers: { 'x-canary': 'true' },
    queryParams: { variant: 'b' },
  });
  assert.deepEqual(runSchema(routeMatch, '{}').value, {});
  assert.deepEqual(runSchema(routeMatch, 'path: { exact: /login }').value, {
    path: { exact: '/login' },
  });
});

test('bad matches name what is allowed and guess the intended spelling', () => {
  const text = `path: { prefix: /a, exact: /a }
method: get
headers: { "a b": c, x-flag: true }
pathPrefix: /a
`;
  assert.deepEqual(runSchema(routeMatch, text, { path: 'm' }).errors, [
    "1:21 m.path.exact: give either 'prefix' or 'exact', not both",
    `2:9 m.method: expected one of GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE, PATCH, got string "get"; did you mean 'GET'?`,
    "3:12 m.headers.a b: the key must be an HTTP header name (letters, digits and !#$%&'*+-.^_`|~)",
    '3:30 m.headers.x-flag: must be a string; quote it (got boolean true)',
    "4:1 m: unknown key 'pathPrefix'; did you mean 'path'?",
  ]);
  // Checked once every header is valid on its own.
  const twice = 'headers: { X-Canary: "1", x-canary: "2" }';
  assert.deepEqual(runSchema(routeMatch, twice, { path: 'm' }).errors, [
    "1:27 m.headers.x-canary: header 'x-canary' is already matched as 'X-Canary' (header names ignore case)",
  ]);
  assert.deepEqual(runSchema(routeMatch, 'path: { prefix: users }', { path: 'm' }).errors, [
    `1:17 m.path.prefix: expected an HTTP path starting with '/', got string "users"`,
  ]);
  assert.deepEqual(runSchema(routeMatch, 'path: {}', { path: 'm' }).errors, [
    "1:7 m.path: missing 'prefix' or 'exact'; give one",
  ]);
});

test('routes need a name and a match; names are unique and `default` is taken', () => {
  assert.deepEqual(runSchema(routes, '- match: {}\n- name: b\n', { path: 'r' }).errors, [
    "1:3 r[0]: missing required key 'name' (a non-empty string)",
    "2:3 r[1]: missing required key 'match' (a request match: path, method, headers and query parameters, all optional)",
  ]);
  const text = '- name: a\n  match: {}\n- name: a\n  match: {}\n- name: default\n  match: {}\n';
  assert.deepEqual(runSchema(routes, text, { path: 'r' }).errors, [
    "3:9 r[1].name: route name 'a' is already used by [0]",
    "5:9 r[2].name: 'default' names the route of every request no route matches; choose another name",
  ]);
  const ok = runSchema(routes, '- name: a\n  match: {}\n  timeout: 2s\n').value;
  assert.deepEqual(ok, [{ name: 'a', match: {}, timeoutMs: 2000 }]);
});

test('a split names each backend once and needs some weight', () => {
  assert.deepEqual(runSchema(split, '- backend: a\n- backend: b\n  weight: 3\n').value, [
    { backend: 'a' },
    { backend: 'b', weight: 3 },
  ]);
  const text = '- { backend: a, weight: 0 }\n- { backend: a, weight: 0 }\n';
  assert.deepEqual(runSchema(split, text, { path: 's' }).errors, [
    '1:1 s: every weight is 0, so no request could go anywhere',
    "2:14 s[1].backend: backend 'a' is already in the split at [0]; give it one weight",
  ]);
  assert.deepEqual(runSchema(split, '[]', { path: 's' }).errors, [
    '1:1 s: expected a non-empty list of a mapping, got an empty list',
  ]);
  assert.deepEqual(runSchema(split, '- { backend: a, weight: -1 }', { path: 's' }).errors, [
    '1:25 s[0].weight: expected an integer from 0 to 1000000, got number -1',
  ]);
});

test('split backends must be services of the file, with a guess', () => {
  const text = withServices(
    POLICY_SERVICES,
    `trafficPolicies:
  - name: p
    selector: { matchLabels: { app: ai-kernel } }
    policy:
      traffic:
        - destination: { selector: { matchLabels: { app: identity } } }
          policy:
            split: [{ backend: identity-canry }]
            routes:
              - name: r
                match: {}
                split: [{ backend: nobody }]
`,
  );
  assert.deepEqual(check(text).errors, [
    "29:32 trafficPolicies[0].policy.traffic[0].policy.split[0].backend: unknown service 'identity-canry'; did you mean 'identity-canary'?",
    "33:36 trafficPolicies[0].policy.traffic[0].policy.routes[0].split[0].backend: unknown service 'nobody'; known services: api-gateway, ai-kernel, identity, identity-canary, vision",
  ]);
});
