import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EnvError, readServiceEnv } from './env.ts';

const base = { PORT: '8002' };

/** The message of the EnvError thrown for `env`. */
function problem(env: Record<string, string>): string {
  try {
    readServiceEnv(env);
  } catch (error) {
    assert.ok(error instanceof EnvError);
    assert.equal(error.code, 'FUSION_ERR_ENV_INVALID');
    return error.message;
  }
  assert.fail('expected an EnvError');
}

describe('readServiceEnv', () => {
  it('fills the defaults of the contract', () => {
    assert.deepEqual(readServiceEnv(base), {
      serviceName: undefined,
      port: 8002,
      host: '127.0.0.1',
      logLevel: 'info',
      dependencies: [],
      meshEndpoints: {},
      meshOutbound: undefined,
      databaseUrl: undefined,
      redisUrl: undefined,
      shutdownTimeoutMs: 10000,
      logLevelFile: undefined,
      otlpEndpoint: undefined,
      traceSampling: 1,
    });
  });

  it('reads every variable the supervisor sets', () => {
    const env = readServiceEnv({
      FUSION_SERVICE_NAME: 'cv-engine',
      PORT: '8003',
      HOST: '0.0.0.0',
      LOG_LEVEL: 'debug',
      FUSION_DEPENDENCIES: 'identity, ai-kernel,',
      FUSION_MESH_ENDPOINTS:
        '{"identity":"http://127.0.0.1:8002/","ai-kernel":"http://127.0.0.1:8001"}',
      FUSION_MESH_OUTBOUND: 'http://127.0.0.1:4140',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
      REDIS_URL: 'redis://127.0.0.1:6379',
      FUSION_SHUTDOWN_TIMEOUT_MS: '2500',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318/',
      FUSION_TRACE_SAMPLING: '0.1',
    });
    assert.equal(env.serviceName, 'cv-engine');
    assert.equal(env.host, '0.0.0.0');
    assert.equal(env.logLevel, 'debug');
    assert.deepEqual(env.dependencies, ['identity', 'ai-kernel']);
    assert.deepEqual(env.meshEndpoints, {
      identity: 'http://127.0.0.1:8002',
      'ai-kernel': 'http://127.0.0.1:8001',
    });
    assert.equal(env.meshOutbound, 'http://127.0.0.1:4140');
    assert.equal(env.databaseUrl, 'postgres://postgres@127.0.0.1:5432/test');
    assert.equal(env.redisUrl, 'redis://127.0.0.1:6379');
    assert.equal(env.shutdownTimeoutMs, 2500);
    assert.equal(env.otlpEndpoint, 'http://127.0.0.1:4318');
    assert.equal(env.traceSampling, 0.1);
  });

  it('takes a sampling ratio from 0 to 1 and refuses anything else', () => {
    assert.equal(readServiceEnv({ ...base, FUSION_TRACE_SAMPLING: '0' }).traceSampling, 0);
    assert.equal(readServiceEnv({ ...base, FUSION_TRACE_SAMPLING: '1.0' }).traceSampling, 1);
    assert.equal(readServiceEnv({ ...base, FUSION_TRACE_SAMPLING: '.25' }).traceSampling, 0.25);
    for (const bad of ['1.5', '-0.1', 'half', '1e-1', '10%']) {
      assert.equal(
        problem({ ...base, FUSION_TRACE_SAMPLING: bad }),
        `invalid environment: FUSION_TRACE_SAMPLING="${bad}" is not a sampling ratio (a number from 0 to 1)`,
      );
    }
  });

  it('takes an http(s) collector address only', () => {
    assert.equal(
      problem({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: '127.0.0.1:4318' }),
      'invalid environment: OTEL_EXPORTER_OTLP_ENDPOINT="127.0.0.1:4318" is not a URL (expected http://… or https://…)',
    );
  });

  it('names the variable, the value and the expectation', () => {
    assert.equal(
      problem({ PORT: 'abc' }),
      'invalid environment: PORT="abc" is not a port number (1-65535)',
    );
    assert.equal(
      problem({ PORT: '70000' }),
      'invalid environment: PORT="70000" is not a port number (1-65535)',
    );
    assert.equal(
      problem({}),
      'invalid environment: PORT is not set (expected a port number (1-65535))',
    );
    assert.equal(
      problem({ ...base, LOG_LEVEL: 'verbose' }),
      'invalid environment: LOG_LEVEL="verbose" is not a log level (trace, debug, info, warn, error, fatal, silent)',
    );
    assert.equal(
      problem({ ...base, FUSION_SHUTDOWN_TIMEOUT_MS: '-5' }),
      'invalid environment: FUSION_SHUTDOWN_TIMEOUT_MS="-5" is not a positive whole number of milliseconds',
    );
    assert.equal(
      problem({ ...base, FUSION_DEPENDENCIES: 'identity,Bad Name' }),
      'invalid environment: FUSION_DEPENDENCIES="identity,Bad Name" is not a comma-separated list of service names ("Bad Name" is not one)',
    );
  });

  it('explains a malformed endpoint map', () => {
    assert.match(
      problem({ ...base, FUSION_MESH_ENDPOINTS: '{"identity":' }),
      /^invalid environment: FUSION_MESH_ENDPOINTS="\{\\"identity\\":" is not a JSON object of service name to http\(s\) base URL \(.+\)$/,
    );
    assert.equal(
      problem({ ...base, FUSION_MESH_ENDPOINTS: '{"identity":"ftp://x"}' }),
      'invalid environment: FUSION_MESH_ENDPOINTS="{\\"identity\\":\\"ftp://x\\"}" is not a JSON object of service name to http(s) base URL (entry "identity" is not)',
    );
    assert.match(problem({ ...base, FUSION_MESH_ENDPOINTS: '[]' }), /FUSION_MESH_ENDPOINTS="\[\]"/);
  });

  it('never prints credentials from a bad URL', () => {
    const message = problem({ ...base, DATABASE_URL: 'mysql://admin:s3cret@db:3306/app' });
    assert.equal(
      message,
      'invalid environment: DATABASE_URL="mysql://***@db:3306/app" is not a URL (expected postgres://… or postgresql://…)',
    );
  });
});
