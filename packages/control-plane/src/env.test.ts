import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EnvError, parseListenAddress, readControlPlaneEnv } from './env.ts';

let pkiDir: string;
before(async () => {
  pkiDir = await mkdtemp(join(tmpdir(), 'fusion-env-'));
});
after(() => rm(pkiDir, { recursive: true, force: true }));

function refused(env: Record<string, string>): EnvError {
  try {
    readControlPlaneEnv(env);
  } catch (error) {
    assert.ok(error instanceof EnvError);
    return error;
  }
  assert.fail('expected an EnvError');
}

describe('control-plane environment', () => {
  it('fills in the seed ports when only the paths are given', () => {
    assert.deepEqual(
      readControlPlaneEnv({ FUSION_CONFIG: 'fusion.yaml', FUSION_PKI_DIR: pkiDir }),
      {
        configPath: 'fusion.yaml',
        pkiDir,
        identityListen: { host: '127.0.0.1', port: 8080 },
        destinationListen: { host: '127.0.0.1', port: 8086 },
        adminListen: { host: '127.0.0.1', port: 9990 },
        apiListen: { host: '127.0.0.1', port: 8084 },
        traceReceiverListen: undefined,
        logLevel: undefined,
      },
    );
  });

  it('reads the listen addresses and log level', () => {
    const env = readControlPlaneEnv({
      FUSION_CONFIG: 'fusion.yaml',
      FUSION_PKI_DIR: pkiDir,
      FUSION_IDENTITY_LISTEN_ADDR: '[::1]:0',
      FUSION_DESTINATION_LISTEN_ADDR: '127.0.0.2:18086',
      FUSION_CONTROL_PLANE_ADMIN_ADDR: '0.0.0.0:9991',
      FUSION_API_LISTEN_ADDR: '127.0.0.1:0',
      FUSION_TRACE_RECEIVER_ADDR: '127.0.0.1:4318',
      LOG_LEVEL: 'debug',
    });
    assert.deepEqual(env.identityListen, { host: '::1', port: 0 });
    assert.deepEqual(env.destinationListen, { host: '127.0.0.2', port: 18086 });
    assert.deepEqual(env.adminListen, { host: '0.0.0.0', port: 9991 });
    assert.deepEqual(env.apiListen, { host: '127.0.0.1', port: 0 });
    assert.deepEqual(env.traceReceiverListen, { host: '127.0.0.1', port: 4318 });
    assert.equal(env.logLevel, 'debug');
  });

  it('names the variable that is missing or wrong', () => {
    const base = { FUSION_CONFIG: 'fusion.yaml', FUSION_PKI_DIR: pkiDir };
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ FUSION_PKI_DIR: pkiDir }, 'FUSION_CONFIG', /FUSION_CONFIG is not set/],
      [{ FUSION_CONFIG: 'fusion.yaml' }, 'FUSION_PKI_DIR', /FUSION_PKI_DIR is not set/],
      [
        { ...base, FUSION_PKI_DIR: join(pkiDir, 'missing') },
        'FUSION_PKI_DIR',
        /is not a directory; run `fusion identity init` first/,
      ],
      [
        { ...base, FUSION_IDENTITY_LISTEN_ADDR: '8080' },
        'FUSION_IDENTITY_LISTEN_ADDR',
        /"8080" is not host:port/,
      ],
      [
        { ...base, FUSION_DESTINATION_LISTEN_ADDR: 'destination' },
        'FUSION_DESTINATION_LISTEN_ADDR',
        /FUSION_DESTINATION_LISTEN_ADDR="destination" is not host:port/,
      ],
      [
        { ...base, FUSION_CONTROL_PLANE_ADMIN_ADDR: 'localhost:70000' },
        'FUSION_CONTROL_PLANE_ADMIN_ADDR',
        /"localhost:70000" is not host:port/,
      ],
      [
        { ...base, FUSION_API_LISTEN_ADDR: ':8084' },
        'FUSION_API_LISTEN_ADDR',
        /FUSION_API_LISTEN_ADDR=":8084" is not host:port/,
      ],
      [
        { ...base, FUSION_TRACE_RECEIVER_ADDR: '4318' },
        'FUSION_TRACE_RECEIVER_ADDR',
        /FUSION_TRACE_RECEIVER_ADDR="4318" is not host:port/,
      ],
      [{ ...base, LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /"loud" is not one of trace, debug/],
    ];
    for (const [env, variable, message] of cases) {
      const error = refused(env);
      assert.equal(error.variable, variable);
      assert.match(error.message, message);
    }
  });

  it('parses host:port and [ipv6]:port only', () => {
    assert.deepEqual(parseListenAddress('localhost:8086'), { host: 'localhost', port: 8086 });
    assert.deepEqual(parseListenAddress('[fd00::1]:443'), { host: 'fd00::1', port: 443 });
    assert.equal(parseListenAddress('::1:80'), undefined);
    assert.equal(parseListenAddress('host:'), undefined);
  });
});
