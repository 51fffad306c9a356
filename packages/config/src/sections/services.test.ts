import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../load.ts';
import { check, withServices } from '../testing.ts';

test('a service gets every default and the app label', () => {
  const result = parseConfig(withServices('  web:\n    port: 8000\n    entry: web.ts\n'), {
    file: 'fusion.yaml',
  });
  assert.ok(result.ok);
  assert.deepEqual(result.config.services.web, {
    name: 'web',
    port: 8000,
    start: { kind: 'entry', entry: 'web.ts' },
    replicas: 1,
    protocol: 'http',
    dependsOn: [],
    database: false,
    external: false,
    labels: { app: 'web' },
    env: {},
    readiness: { path: '/ready', timeoutMs: 60_000 },
  });
});

test('every key of a service is read', () => {
  const text = withServices(`  web:
    port: 8000
    command: node  --enable-source-maps web.js
    replicas: 3
    protocol: grpc
    database: true
    external: true
    labels: { tier: front }
    env: { MODE: fast, PORT: "8000" }
    readiness: { path: /healthz, timeout: 1m30s }
`);
  const result = parseConfig(text, { file: 'fusion.yaml' });
  assert.ok(result.ok);
  const web = result.config.services.web!;
  // A command string is split on whitespace, however much there is.
  assert.deepEqual(web.start, {
    kind: 'command',
    command: ['node', '--enable-source-maps', 'web.js'],
  });
  assert.equal(web.replicas, 3);
  assert.equal(web.protocol, 'grpc');
  assert.equal(web.database, true);
  assert.equal(web.external, true);
  assert.deepEqual(web.labels, { app: 'web', tier: 'front' });
  assert.deepEqual(web.env, { MODE: 'fast', PORT: '8000' });
  assert.deepEqual(web.readiness, { path: '/healthz', timeoutMs: 90_000 });
});

test('a command may be a list, for arguments that contain spaces', () => {
  const text = withServices(
    '  web:\n    port: 8000\n    command: [sh, -c, "echo hi && sleep 1"]\n',
  );
  const result = parseConfig(text, { file: 'fusion.yaml' });
  assert.ok(result.ok);
  assert.deepEqual(result.config.services.web?.start, {
    kind: 'command',
    command: ['sh', '-c', 'echo hi && sleep 1'],
  });
});

test('misspelt key, wrong type, missing port and entry-plus-command are all reported at once', () => {
  const text = `version: 1
services:
  a:
    port: 8001
    entry: a.ts
    command: node a.js
  b:
    command: node b.js
    dependOn: [a]
  c:
    port: "80a"
    command: [node, c.js]
`;
  assert.deepEqual(check(text).errors, [
    "6:5 services.a.command: give either 'entry' (a file run by Node) or 'command', not both",
    "8:5 services.b: missing required key 'port' (an integer from 1 to 65535)",
    "9:5 services.b: unknown key 'dependOn'; did you mean 'dependsOn'?",
    '11:11 services.c.port: expected an integer from 1 to 65535, got string "80a"',
  ]);
});

test('a service needs one of entry and command', () => {
  assert.deepEqual(check(withServices('  a:\n    port: 8001\n')).errors, [
    "4:5 services.a: missing 'entry' (a file run by Node) or 'command' (a command line); give one",
  ]);
});

test('service names must be DNS labels', () => {
  const { errors } = check(withServices('  AI_Kernel:\n    port: 8001\n    command: x\n'));
  assert.equal(errors.length, 1);
  assert.match(
    errors[0]!,
    /^3:3 services\.AI_Kernel: service name 'AI_Kernel' must be a DNS label/,
  );
});

test('env values must be strings and labels may not rename the app', () => {
  const text = withServices(`  a:
    port: 8001
    command: x
    env:
      PORT: 8001
    labels:
      app: b
`);
  assert.deepEqual(check(text).errors, [
    '7:13 services.a.env.PORT: must be a string; quote it (got number 8001)',
    "9:12 services.a.labels.app: must be the service name 'a' (it is set automatically), got 'b'",
  ]);
});

test('ranges, enums and durations inside a service', () => {
  const text = withServices(`  a:
    port: 8001
    command: x
    replicas: 65
    protocol: https
    readiness: { path: ready, timeout: soon }
`);
  assert.deepEqual(check(text).errors, [
    '6:15 services.a.replicas: expected an integer from 1 to 64, got number 65',
    `7:15 services.a.protocol: expected one of http, http2, grpc, tcp, got string "https"; did you mean 'http'?`,
    `8:24 services.a.readiness.path: expected an HTTP path starting with '/', got string "ready"`,
    '8:40 services.a.readiness.timeout: expected a duration of at least 1ms such as 500ms, 2s, 5m or 1h30m, got string "soon"',
  ]);
});

test('services must be a mapping with at least one service', () => {
  assert.deepEqual(check('version: 1\nservices:\n').errors, [
    '2:10 services: expected at least one service, got none',
  ]);
  assert.deepEqual(check('version: 1\nservices: [a]\n').errors, [
    '2:11 services: expected a mapping, got a list',
  ]);
});

test('entry files must exist relative to the config directory when a directory is given', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fusion-config-'));
  try {
    mkdirSync(join(dir, 'svc'));
    writeFileSync(join(dir, 'svc/main.ts'), '');
    const text = withServices(`  a:
    port: 8001
    entry: svc/main.ts
  b:
    port: 8002
    entry: svc/missing.ts
  c:
    port: 8003
    entry: svc
`);
    assert.deepEqual(check(text, dir).errors, [
      "8:12 services.b.entry: entry file 'svc/missing.ts' does not exist (paths are relative to the directory of fusion.yaml)",
      "11:12 services.c.entry: entry 'svc' is not a file (paths are relative to the directory of fusion.yaml)",
    ]);
    // Without a directory, parsing stays pure and does not look at the disk.
    assert.deepEqual(check(text).errors, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
