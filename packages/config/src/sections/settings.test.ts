import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSchema } from '../testing.ts';
import { infrastructure, logging, mesh } from './settings.ts';

test('mesh defaults are Linkerd defaults', () => {
  assert.deepEqual(runSchema(mesh, '~').value, {
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
  });
});

test('mesh settings are read and durations converted', () => {
  const text = `trustDomain: mesh.example.org
namespace: prod
identity:
  certificateLifetime: 1h
  clockSkewAllowance: 0s
defaultInboundPolicy: deny
proxyLogLevel: debug
http1:
  maxRequestLineBytes: 4096
  maxHeaders: 50
  headerTimeout: 2s
  idleTimeout: 5m
audit:
  allowed: 0.25
  maxFileBytes: 1048576
`;
  assert.deepEqual(runSchema(mesh, text).value, {
    trustDomain: 'mesh.example.org',
    namespace: 'prod',
    certificateLifetimeMs: 3_600_000,
    clockSkewAllowanceMs: 0,
    defaultInboundPolicy: 'deny',
    proxyLogLevel: 'debug',
    accessLog: 'off',
    http1: {
      maxRequestLineBytes: 4_096,
      maxHeaderBytes: 65_536,
      maxHeaders: 50,
      headerTimeoutMs: 2_000,
      idleTimeoutMs: 300_000,
    },
    audit: { allowedShare: 0.25, maxFileBytes: 1_048_576 },
  });
});

test('bad mesh values name what is allowed', () => {
  const text = `trustDomain: Cluster_Local
namespace: my.ns
identity:
  certificateLifetime: 500ms
defaultInboundPolicy: allow
http1:
  maxHeaders: 5
  headerTimeout: 2h
`;
  assert.deepEqual(runSchema(mesh, text, { path: 'mesh' }).errors, [
    `1:14 mesh.trustDomain: expected a DNS name (DNS labels joined by '.', such as cluster.local), got string "Cluster_Local"`,
    `2:12 mesh.namespace: expected a DNS label (lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters), got string "my.ns"`,
    '4:24 mesh.identity.certificateLifetime: must be at least 1s, got 500ms',
    '5:23 mesh.defaultInboundPolicy: expected one of deny, all-authenticated, all-unauthenticated, cluster-authenticated, cluster-unauthenticated, audit, got string "allow"',
    '7:15 mesh.http1.maxHeaders: expected an integer from 8 to 10000, got number 5',
    '8:18 mesh.http1.headerTimeout: must be at most 1h, got 2h',
  ]);
});

test('infrastructure flattens the embedded postgres settings', () => {
  assert.deepEqual(runSchema(infrastructure, '~').value, {
    postgres: { embeddedPort: 55432, embeddedDataDir: 'data/postgres', embeddedMaxConnections: 32 },
  });
  const text = 'postgres:\n  embedded:\n    port: 6000\n    maxConnections: 1001\n';
  assert.deepEqual(runSchema(infrastructure, text, { path: 'infrastructure' }).errors, [
    '4:21 infrastructure.postgres.embedded.maxConnections: expected an integer from 1 to 1000, got number 1001',
  ]);
});

test('logging level defaults to info and must be a known level', () => {
  assert.deepEqual(runSchema(logging, '~').value, { level: 'info' });
  assert.deepEqual(runSchema(logging, 'level: debug').value, { level: 'debug' });
  assert.deepEqual(runSchema(logging, 'level: verbose', { path: 'logging' }).errors, [
    '1:8 logging.level: expected one of trace, debug, info, warn, error, fatal, got string "verbose"',
  ]);
});
