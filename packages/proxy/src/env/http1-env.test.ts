import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_H1_LIMITS } from '../h1/limits.ts';
import { readHttp1Env } from './http1-env.ts';
import { PROXY_ENV } from './names.ts';
import { envReader } from './reader.ts';

function read(env: NodeJS.ProcessEnv) {
  const reader = envReader(env);
  const http1 = readHttp1Env(reader);
  return { http1, problems: reader.problems.map((p) => p.message) };
}

describe('FUSION_PROXY_HTTP1_*', () => {
  it("keeps the engine's defaults when none is set", () => {
    const { http1, problems } = read({});
    assert.deepEqual(problems, []);
    assert.deepEqual(http1.limits, DEFAULT_H1_LIMITS);
    assert.equal(http1.headerTimeoutMs, 10_000);
    assert.equal(http1.idleTimeoutMs, 60_000);
  });

  it('reads each limit and timeout', () => {
    const { http1, problems } = read({
      [PROXY_ENV.http1MaxRequestLineBytes]: '4096',
      [PROXY_ENV.http1MaxHeaderBytes]: '32768',
      [PROXY_ENV.http1MaxHeaders]: '50',
      [PROXY_ENV.http1HeaderTimeout]: '2s',
      [PROXY_ENV.http1IdleTimeout]: '5m',
    });
    assert.deepEqual(problems, []);
    assert.equal(http1.limits.maxStartLineBytes, 4096);
    assert.equal(http1.limits.maxHeaderBytes, 32_768);
    assert.equal(http1.limits.maxFields, 50);
    assert.equal(http1.headerTimeoutMs, 2_000);
    assert.equal(http1.idleTimeoutMs, 300_000);
  });

  it('names each value out of bounds or malformed, and what it should be', () => {
    const { problems } = read({
      [PROXY_ENV.http1MaxRequestLineBytes]: '100',
      [PROXY_ENV.http1MaxHeaderBytes]: '64KiB',
      [PROXY_ENV.http1MaxHeaders]: '-1',
      [PROXY_ENV.http1HeaderTimeout]: '10',
      [PROXY_ENV.http1IdleTimeout]: '10ms',
    });
    assert.equal(problems.length, 5);
    assert.match(
      problems[0]!,
      /FUSION_PROXY_HTTP1_MAX_REQUEST_LINE_BYTES.*'100'.*from 256 to 1048576/,
    );
    assert.match(
      problems[1]!,
      /FUSION_PROXY_HTTP1_MAX_HEADER_BYTES.*'64KiB'.*whole number of bytes/,
    );
    assert.match(problems[2]!, /FUSION_PROXY_HTTP1_MAX_HEADERS.*header fields from 8 to 10000/);
    assert.match(problems[3]!, /FUSION_PROXY_HTTP1_HEADER_TIMEOUT.*'10'.*duration/);
    assert.match(problems[4]!, /FUSION_PROXY_HTTP1_IDLE_TIMEOUT.*'10ms'/);
  });
});
