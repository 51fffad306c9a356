/** The opaque-TCP variables: LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION and FUSION_PROXY_OUTBOUND_TCP. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTrustAnchor } from '@fusion/pki';
import { PROXY_ENV } from './names.ts';
import { ProxyEnvError, readProxyEnv } from './proxy-env.ts';
import { inPortRanges, parsePortRanges, parseTcpUpstreams } from './values.ts';

const anchorsPem = (await createTrustAnchor({ commonName: 'root.cluster.local' })).certPem;

function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    LINKERD2_PROXY_INBOUND_DEFAULT_POLICY: 'all-authenticated',
    LINKERD2_PROXY_IDENTITY_SVC_ADDR: '127.0.0.1:8080',
    LINKERD2_PROXY_IDENTITY_SVC_NAME: 'identity.fusion.serviceaccount.identity.cluster.local',
    LINKERD2_PROXY_IDENTITY_LOCAL_NAME: 'cache.default.serviceaccount.identity.cluster.local',
    LINKERD2_PROXY_IDENTITY_TOKEN_FILE: '/run/fusion/tokens/cache',
    LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS: anchorsPem,
    FUSION_PROXY_APP_ADDR: '127.0.0.1:16379',
    ...extra,
  };
}

function problemOf(extra: Record<string, string>): string {
  try {
    readProxyEnv(env(extra));
  } catch (error) {
    assert.ok(error instanceof ProxyEnvError, String(error));
    assert.equal(error.problems.length, 1, error.message);
    return error.problems[0]!.message;
  }
  assert.fail('expected a problem');
}

describe('opaque TCP variables', () => {
  it('reads port sets as Linkerd writes them, ranges included', () => {
    assert.deepEqual(parsePortRanges('25, 587,3306,4000-4100,'), [
      { from: 25, to: 25 },
      { from: 587, to: 587 },
      { from: 3306, to: 3306 },
      { from: 4000, to: 4100 },
    ]);
    const ranges = parsePortRanges('6379,4000-4100');
    assert.equal(inPortRanges(6379, ranges), true);
    assert.equal(inPortRanges(4050, ranges), true);
    assert.equal(inPortRanges(4101, ranges), false);
  });

  it('marks the inbound side opaque when its listen port is listed, and only then', () => {
    const opaque = readProxyEnv(
      env({
        [PROXY_ENV.inboundListen]: '0.0.0.0:6379',
        [PROXY_ENV.inboundOpaquePorts]: '25,587,3306,4444,5432,6379,9300,11211',
      }),
    );
    assert.equal(opaque.inboundOpaque, true);
    const http = readProxyEnv(env({ [PROXY_ENV.inboundListen]: '0.0.0.0:8001' }));
    assert.equal(http.inboundOpaque, false);
    assert.deepEqual(http.inboundOpaquePorts, []);
    assert.deepEqual(http.outboundTcp, []);
  });

  it('reads upstreams as service=host:port on loopback', () => {
    const read = readProxyEnv(
      env({ [PROXY_ENV.outboundTcp]: 'postgres=127.0.0.1:15432, redis=[::1]:16379,' }),
    );
    assert.deepEqual(read.outboundTcp, [
      { service: 'postgres', listen: { host: '127.0.0.1', port: 15432 } },
      { service: 'redis', listen: { host: '::1', port: 16379 } },
    ]);
    assert.deepEqual(parseTcpUpstreams('db=localhost:1'), [
      { service: 'db', listen: { host: 'localhost', port: 1 } },
    ]);
  });

  it('names every bad item, with the variable and what was expected', () => {
    assert.match(
      problemOf({ [PROXY_ENV.inboundOpaquePorts]: '25,abc,70000,9-3' }),
      new RegExp(
        `^${PROXY_ENV.inboundOpaquePorts} is '25,abc,70000,9-3' \\(not a port or from-to range: 'abc', '70000', '9-3'\\): expected comma-separated ports`,
      ),
    );
    const message = problemOf({
      [PROXY_ENV.outboundTcp]:
        'postgres=0.0.0.0:15432,Redis=127.0.0.1:1,cache,web=127.0.0.1,a=127.0.0.1:9,b=127.0.0.1:9',
    });
    assert.ok(message.startsWith(`${PROXY_ENV.outboundTcp} is '`), message);
    for (const why of [
      '0.0.0.0 is not a loopback address',
      "'Redis' is not a service name",
      "'cache' is not service=host:port",
      "'127.0.0.1' is not host:port",
      'port 9 is given twice',
    ]) {
      assert.ok(message.includes(why), `${why} in ${message}`);
    }
    assert.match(message, /: expected comma-separated service=host:port on loopback/);
  });
});
