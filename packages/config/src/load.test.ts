import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfigFile, loadConfigOrThrow, parseConfig } from './index.ts';
import { check } from './testing.ts';

const REAL_FILE = fileURLToPath(new URL('../../../fusion.yaml', import.meta.url));

test('the real fusion.yaml validates without a warning: every policy it writes is enforced', () => {
  const text = readFileSync(REAL_FILE, 'utf8');
  const result = parseConfig(text, { file: 'fusion.yaml' });
  assert.ok(result.ok, JSON.stringify(result));
  assert.deepEqual(result.warnings, []);
  const { services } = result.config;
  assert.deepEqual(
    Object.values(services).map((s) => [s.name, s.port]),
    [
      ['api-gateway', 8000],
      ['ai-kernel', 8001],
      ['identity', 8002],
      ['cv-engine', 8003],
      ['conversational', 8004],
      ['analytics', 8005],
      ['automation', 8006],
      ['vision', 8007],
      ['plugin', 8008],
    ],
  );
  assert.equal(services['api-gateway']?.external, true);
  assert.equal(services['api-gateway']?.dependsOn.length, 8);
  assert.deepEqual(services['cv-engine']?.dependsOn, ['identity', 'ai-kernel']);
  assert.equal(services.identity?.database, true);
  assert.equal(services.vision?.database, false);
  assert.deepEqual(services.plugin?.start, { kind: 'entry', entry: 'services/plugin/src/main.ts' });
  assert.equal(
    result.config.trafficPolicies[0]?.policy.traffic[0]?.policy.retries?.perTryTimeoutMs,
    2000,
  );
});

test('loadConfigFile checks entry files relative to the file and names the file as given', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fusion-load-'));
  try {
    const file = join(dir, 'fusion.yaml');
    copyFileSync(REAL_FILE, file);
    const missing = loadConfigFile(file);
    assert.equal(missing.ok, false);
    assert.equal(missing.ok ? 0 : missing.errors.length, 9);
    assert.ok(!missing.ok && missing.errors[0]?.file === file);
    assert.match(
      !missing.ok ? (missing.errors[0]?.message ?? '') : '',
      /entry file 'services\/api-gateway\/src\/main.ts' does not exist/,
    );

    const config = parseConfig(readFileSync(REAL_FILE, 'utf8'), { file: 'x' });
    for (const service of Object.values(config.ok ? config.config.services : {})) {
      if (service.start.kind !== 'entry') continue;
      mkdirSync(dirname(join(dir, service.start.entry)), { recursive: true });
      writeFileSync(join(dir, service.start.entry), '');
    }
    const loaded = loadConfigFile(file);
    assert.ok(loaded.ok);
    assert.deepEqual(loaded.warnings, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file that cannot be read is one error at 1:1 naming the path and the reason', () => {
  const result = loadConfigFile('/nonexistent/fusion.yaml');
  assert.equal(result.ok, false);
  assert.deepEqual(!result.ok && result.errors, [
    {
      severity: 'error',
      file: '/nonexistent/fusion.yaml',
      line: 1,
      column: 1,
      path: '',
      message:
        "cannot read config file '/nonexistent/fusion.yaml': no such file or directory (ENOENT)",
    },
  ]);
});

test('loadConfigOrThrow throws a ConfigError listing every error as file:line:col', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fusion-throw-'));
  try {
    const file = join(dir, 'fusion.yaml');
    writeFileSync(file, 'version: 2\nservices:\n  a:\n    port: 0\n    command: x\n');
    assert.throws(
      () => loadConfigOrThrow(file),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.name, 'ConfigError');
        assert.equal(error.diagnostics.length, 2);
        assert.equal(
          error.message,
          `${file}:1:10: version: expected the number 1, got number 2; 1 is the only version so far\n` +
            `${file}:4:11: services.a.port: expected an integer from 1 to 65535, got number 0`,
        );
        return true;
      },
    );
    writeFileSync(file, 'version: 1\nservices:\n  a:\n    port: 1\n    command: x\n');
    assert.equal(loadConfigOrThrow(file).config.services.a?.port, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a minimal file gets every default', () => {
  const result = parseConfig('version: 1\nservices:\n  a:\n    port: 1\n    command: x\n', {
    file: 'fusion.yaml',
  });
  assert.ok(result.ok);
  assert.deepEqual(result.warnings, []);
  const { services, ...rest } = result.config;
  assert.deepEqual(rest, {
    version: 1,
    mesh: {
      trustDomain: 'cluster.local',
      namespace: 'default',
      certificateLifetimeMs: 86_400_000,
      clockSkewAllowanceMs: 20_000,
      defaultInboundPolicy: 'all-authenticated',
      proxyLogLevel: 'warn,linkerd=info',
      accessLog: 'off',
      http1: {
        maxRequestLineBytes: 8_192,
        maxHeaderBytes: 65_536,
        maxHeaders: 100,
        headerTimeoutMs: 10_000,
        idleTimeoutMs: 60_000,
      },
      audit: { allowedShare: 1, maxFileBytes: 16_777_216 },
    },
    infrastructure: {
      postgres: {
        embeddedPort: 55432,
        embeddedDataDir: 'data/postgres',
        embeddedMaxConnections: 32,
      },
    },
    controlPlane: { identityPort: 8080, destinationPort: 8086, adminPort: 9990, apiPort: 8084 },
    observability: {
      prometheus: { enabled: true, port: 9090, retentionMs: 86_400_000 },
      tracing: { sampling: 0.1, receiverPort: 4318 },
    },
    logging: { level: 'info' },
    trafficPolicies: [],
    circuitBreakers: [],
    authorizationPolicies: [],
    rateLimits: [],
    faultInjections: [],
  });
  assert.deepEqual(Object.keys(services), ['a']);
});

test('an unknown top-level section suggests the intended one', () => {
  const text = 'version: 1\nservices:\n  a:\n    port: 1\n    command: x\ntrafficPolicy: []\n';
  assert.deepEqual(check(text).errors, [
    "6:1 unknown section 'trafficPolicy'; did you mean 'trafficPolicies'?",
  ]);
  assert.deepEqual(check(`${text.replace('trafficPolicy', 'extras')}`).errors, [
    "6:1 unknown section 'extras'; valid sections: version, mesh, infrastructure, controlPlane, observability, logging, services, trafficPolicies, circuitBreakers, authorizationPolicies, rateLimits, faultInjections",
  ]);
});

test('a repeated YAML key is reported at the repeat, naming the first', () => {
  const text = 'version: 1\nservices:\n  a:\n    port: 1\n    command: x\n    port: 2\n';
  assert.deepEqual(check(text).errors, [
    "6:5 services.a: duplicate key 'port' (first at fusion.yaml:4:5)",
  ]);
});

test('a YAML syntax error is reported with its position, and nothing else is guessed at', () => {
  // `port: x` would be a type error too, were the broken tree validated.
  assert.deepEqual(check('version: 1\nservices:\n  a:\n    port: x\n\tcommand: x\n').errors, [
    '5:1 invalid YAML: Tabs are not allowed as indentation',
  ]);
  assert.deepEqual(check('version: 1\nservices:\n  a: b: c\n').errors, [
    '3:6 invalid YAML: Nested mappings are not allowed in compact mappings',
  ]);
});

test('missing version and services are reported at the top mapping', () => {
  assert.deepEqual(check('# nothing but a comment\nlogging: {}\n').errors, [
    "2:1 missing required key 'version' (the number 1)",
    "2:1 missing required key 'services' (a mapping of service names to services)",
  ]);
  assert.deepEqual(check('').errors, [
    "1:1 missing required key 'version' (the number 1)",
    "1:1 missing required key 'services' (a mapping of service names to services)",
  ]);
  assert.deepEqual(check('- a\n').errors, ['1:1 expected a mapping, got a list']);
});

test('every error in the file is reported in one pass, in file order', () => {
  const text = `version: 1
logging:
  level: loud
services:
  a:
    port: 99999
    command: x
    replicas: two
mesh:
  namespace: Prod
`;
  assert.deepEqual(
    check(text).errors.map((e) => e.split(' ')[0]),
    ['3:10', '6:11', '8:15', '10:14'],
  );
});
