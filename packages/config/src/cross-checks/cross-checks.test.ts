import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../load.ts';
import { check, withServices } from '../testing.ts';

test('two services on one port: error at the second, pointing at the first', () => {
  const text = withServices(`  ai-kernel:
    port: 8001
    command: x
  vision:
    port: 8001
    command: x
    replicas: 3
`);
  assert.deepEqual(check(text).errors, [
    "7:11 services.vision.port: port 8001 is already used by service 'ai-kernel' (fusion.yaml:4:11)",
  ]);
});

test('replicas of one service share its port without complaint', () => {
  assert.deepEqual(
    check(withServices('  a:\n    port: 8001\n    command: x\n    replicas: 4\n')).errors,
    [],
  );
});

test("no service may take the embedded postgres's port, default or written", () => {
  assert.deepEqual(check(withServices('  db:\n    port: 55432\n    command: x\n')).errors, [
    '4:11 services.db.port: port 55432 is already used by the embedded postgres (the default of infrastructure.postgres.embedded.port)',
  ]);
  const text = `version: 1
infrastructure:
  postgres:
    embedded:
      port: 8001
services:
  a:
    port: 8001
    command: x
`;
  assert.deepEqual(check(text).errors, [
    '8:11 services.a.port: port 8001 is already used by the embedded postgres (fusion.yaml:5:13)',
  ]);
});

test('dependsOn names must be other, existing services, each listed once', () => {
  const text = withServices(`  ai-kernel:
    port: 8001
    command: x
    dependsOn: [identiy, ai-kernel, vision, identity, identity]
  identity:
    port: 8002
    command: x
`);
  assert.deepEqual(check(text).errors, [
    "6:17 services.ai-kernel.dependsOn[0]: unknown service 'identiy'; did you mean 'identity'?",
    "6:26 services.ai-kernel.dependsOn[1]: service 'ai-kernel' cannot depend on itself",
    "6:37 services.ai-kernel.dependsOn[2]: unknown service 'vision'; known services: identity",
    "6:55 services.ai-kernel.dependsOn[4]: 'identity' is listed twice",
  ]);
});

test('versionOf names another service that is not itself a version', () => {
  const text = withServices(`  ai-kernel:
    port: 8001
    command: x
  canary:
    port: 8002
    command: x
    versionOf: ai-kernal
  green:
    port: 8003
    command: x
    versionOf: green
  blue:
    port: 8004
    command: x
    versionOf: ai-kernel
  teal:
    port: 8005
    command: x
    versionOf: blue
`);
  assert.deepEqual(check(text).errors, [
    "9:16 services.canary.versionOf: unknown service 'ai-kernal'; did you mean 'ai-kernel'?",
    "13:16 services.green.versionOf: service 'green' cannot be a version of itself",
    "21:16 services.teal.versionOf: 'blue' is itself a version of 'ai-kernel'; name 'ai-kernel'",
  ]);
});

test('a dependency cycle is reported once, starting at its first service', () => {
  const text = withServices(`  c:
    port: 8003
    command: x
    dependsOn: [a]
  a:
    port: 8001
    command: x
    dependsOn: [b]
  b:
    port: 8002
    command: x
    dependsOn: [c]
  d:
    port: 8004
    command: x
    dependsOn: [a, e]
  e:
    port: 8005
    command: x
    dependsOn: [d]
`);
  assert.deepEqual(check(text).errors, [
    '6:17 services.c.dependsOn[0]: dependency cycle: c -> a -> b -> c',
    '18:20 services.d.dependsOn[1]: dependency cycle: d -> e -> d',
  ]);
});

test('a broken service still takes part in the checks, without false alarms about it', () => {
  const text = withServices(`  a:
    port: 8001
    command: x
    protocol: htp
  b:
    port: 8001
    command: x
    dependsOn: [a]
`);
  assert.deepEqual(check(text).errors, [
    `6:15 services.a.protocol: expected one of http, http2, grpc, tcp, got string "htp"; did you mean 'http'?`,
    "8:11 services.b.port: port 8001 is already used by service 'a' (fusion.yaml:4:11)",
  ]);
});

const TWO = `  ai-kernel:
    port: 8001
    command: x
    labels: { tier: core }
  identity:
    port: 8002
    command: x
`;

test('a selector that selects no service is a warning with a guess', () => {
  const text = withServices(
    TWO,
    `trafficPolicies:
  - name: p
    selector: { matchLabels: { tier: core } }
    policy:
      traffic:
        - destination: { selector: { matchLabels: { app: identiy } } }
          policy: {}
circuitBreakers:
  - name: cb
    selector: { matchLabels: { app: ai-kernel, tier: edge } }
    policy: {}
`,
  );
  const { errors, warnings } = check(text);
  assert.deepEqual(errors, []);
  // Neither block reaches a service, so nothing is compiled and nothing is "not enforced".
  assert.deepEqual(warnings, [
    "15:36 trafficPolicies[0].policy.traffic[0].destination.selector: selects no service (matchLabels app=identiy); did you mean app 'identity'?",
    '19:15 circuitBreakers[0].selector: selects no service (matchLabels app=ai-kernel, tier=edge)',
  ]);
});

test('policy names are unique within their section', () => {
  const block = (name: string) =>
    `  - name: ${name}\n    selector: { matchLabels: { app: identity } }\n    policy: { maxRetries: 1 }\n`;
  const text = withServices(TWO, `circuitBreakers:\n${block('cb')}${block('cb')}`);
  const { errors, warnings } = check(text);
  assert.deepEqual(errors, [
    "14:11 circuitBreakers[1].name: name 'cb' is already used by circuitBreakers[0] (fusion.yaml:11:11)",
  ]);
  // Unenforced fields are found by compiling, which only a valid file is.
  assert.deepEqual(warnings, []);
});

test('a service may not take the public API port, its default or the one written', () => {
  const taken = (text: string) => {
    const result = parseConfig(text, { file: 'fusion.yaml' });
    assert.ok(!result.ok);
    return result.errors.map((e) => `${e.line}:${e.column} ${e.message}`);
  };
  assert.deepEqual(taken('version: 1\nservices:\n  a: { port: 8084, command: x }\n'), [
    '3:14 services.a.port: port 8084 is already used by the public API (the default of controlPlane.api.port)',
  ]);
  assert.deepEqual(
    taken(
      'version: 1\ncontrolPlane:\n  api:\n    port: 9100\nservices:\n  a: { port: 9100, command: x }\n',
    ),
    ['6:14 services.a.port: port 9100 is already used by the public API (fusion.yaml:4:11)'],
  );
});

test('a service may not take the identity service or control-plane admin port', () => {
  const result = parseConfig(
    'version: 1\ncontrolPlane:\n  adminPort: 9000\nservices:\n  a: { port: 8080, command: x }\n  b: { port: 9000, command: x }\n',
    { file: 'fusion.yaml' },
  );
  assert.ok(!result.ok);
  assert.deepEqual(
    result.errors.map((e) => `${e.line}:${e.column} ${e.message}`),
    [
      '5:14 services.a.port: port 8080 is already used by the identity service (the default of controlPlane.identity.port)',
      '6:14 services.b.port: port 9000 is already used by the control-plane admin listener (fusion.yaml:3:14)',
    ],
  );
});
