import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { IDENTITY_ENV } from '@fusion/identity-client';
import { createTrustAnchor } from '@fusion/pki';
import { PROXY_ENV } from './names.ts';
import { ProxyEnvError, readProxyEnv } from './proxy-env.ts';

let anchorsPem = '';
let dir = '';
let endpointsFile = '';
before(async () => {
  anchorsPem = (await createTrustAnchor({ commonName: 'root.cluster.local' })).certPem;
  dir = await mkdtemp(join(tmpdir(), 'proxy-env-'));
  endpointsFile = join(dir, 'endpoints.json');
  await writeFile(endpointsFile, '{}');
});
after(() => rm(dir, { recursive: true, force: true }));

/** The seed's sidecar variables for ai-kernel, plus the ones our sidecar cannot do without. */
function seedEnv(): NodeJS.ProcessEnv {
  return {
    LINKERD2_PROXY_LOG: 'warn,linkerd=info',
    LINKERD2_PROXY_INBOUND_DEFAULT_POLICY: 'all-authenticated',
    LINKERD2_PROXY_DESTINATION_SVC_ADDR: 'linkerd-destination:8086',
    LINKERD2_PROXY_DESTINATION_SVC_NAME: 'destination.fusion.serviceaccount.identity.cluster.local',
    LINKERD2_PROXY_IDENTITY_SVC_ADDR: 'linkerd-identity:8080',
    LINKERD2_PROXY_IDENTITY_SVC_NAME: 'identity.fusion.serviceaccount.identity.cluster.local',
    LINKERD2_PROXY_IDENTITY_LOCAL_NAME: 'ai-kernel.default.serviceaccount.identity.cluster.local',
    LINKERD2_PROXY_IDENTITY_TOKEN_FILE: '/run/fusion/tokens/ai-kernel',
    LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS: anchorsPem,
    FUSION_PROXY_APP_ADDR: '127.0.0.1:18001',
  };
}

function problemsOf(env: NodeJS.ProcessEnv): { variable: string; message: string }[] {
  try {
    readProxyEnv(env);
  } catch (error) {
    assert.ok(error instanceof ProxyEnvError, String(error));
    return [...error.problems];
  }
  assert.fail('expected readProxyEnv to throw');
}

describe('readProxyEnv', () => {
  it("reads the seed's variables with Linkerd's defaults for the rest", () => {
    const env = readProxyEnv(seedEnv());
    assert.equal(env.service, 'ai-kernel');
    assert.equal(env.log.filter.text, 'warn,linkerd=info');
    assert.equal(env.log.filter.proxyLevel, 'info');
    assert.equal(env.log.format, 'plain');
    assert.deepEqual(env.inboundListen, { host: '0.0.0.0', port: 4143 });
    assert.deepEqual(env.outboundListen, { host: '127.0.0.1', port: 4140 });
    assert.deepEqual(env.adminListen, { host: '127.0.0.1', port: 4191 });
    assert.deepEqual(env.destinationAddr, { host: 'linkerd-destination', port: 8086 });
    assert.equal(env.destinationName, 'destination.fusion.serviceaccount.identity.cluster.local');
    assert.equal(env.instance, 'ai-kernel', 'one replica: the instance is the service');
    assert.equal(env.traceCollectorAddr, undefined);
    assert.equal(env.inboundDefaultPolicy, 'all-authenticated');
    assert.equal(env.shutdownEndpointEnabled, false);
    assert.equal(env.shutdownGracePeriodMs, 120_000);
    assert.equal(env.inboundConnectTimeoutMs, 100);
    assert.equal(env.outboundConnectTimeoutMs, 1_000);
    assert.deepEqual(env.app, { host: '127.0.0.1', port: 18001 });
    assert.equal(env.appProtocol, 'http1');
    assert.equal(env.external, false);
    assert.equal(env.staticEndpointsPath, undefined);
    assert.equal(env.identity.identity, 'ai-kernel.default.serviceaccount.identity.cluster.local');
    assert.equal(env.identity.identityAddr, 'linkerd-identity:8080');
    assert.deepEqual(env.warnings, []);
  });

  it('uses the log default warn,linkerd=info when LINKERD2_PROXY_LOG is unset or blank', () => {
    for (const value of [undefined, '  ']) {
      const env = readProxyEnv({ ...seedEnv(), LINKERD2_PROXY_LOG: value });
      assert.equal(env.log.filter.text, 'warn,linkerd=info');
    }
  });

  it('warns and uses all-unauthenticated when the default policy is unset, as Linkerd does', () => {
    const env = readProxyEnv({ ...seedEnv(), LINKERD2_PROXY_INBOUND_DEFAULT_POLICY: undefined });
    assert.equal(env.inboundDefaultPolicy, 'all-unauthenticated');
    assert.deepEqual(env.warnings, [
      'LINKERD2_PROXY_INBOUND_DEFAULT_POLICY is not set; using all-unauthenticated',
    ]);
  });

  it("accepts each of Linkerd's default policies, exactly", () => {
    for (const policy of [
      'deny',
      'all-authenticated',
      'all-unauthenticated',
      'cluster-authenticated',
      'cluster-unauthenticated',
      'audit',
    ]) {
      const env = readProxyEnv({ ...seedEnv(), LINKERD2_PROXY_INBOUND_DEFAULT_POLICY: policy });
      assert.equal(env.inboundDefaultPolicy, policy);
    }
  });

  it('reads every variable it is given', () => {
    const env = readProxyEnv({
      ...seedEnv(),
      LINKERD2_PROXY_LOG_FORMAT: 'JSON',
      LINKERD2_PROXY_INBOUND_LISTEN_ADDR: '127.0.0.2:8001',
      LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR: '[::1]:0',
      LINKERD2_PROXY_ADMIN_LISTEN_ADDR: '0.0.0.0:4191',
      LINKERD2_PROXY_TRACE_COLLECTOR_SVC_ADDR: 'localhost:4318',
      LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED: 'true',
      LINKERD2_PROXY_SHUTDOWN_GRACE_PERIOD: '10s',
      LINKERD2_PROXY_INBOUND_CONNECT_TIMEOUT: '500ms',
      LINKERD2_PROXY_OUTBOUND_CONNECT_TIMEOUT: '2m',
      FUSION_PROXY_APP_PROTOCOL: 'h2c',
      FUSION_PROXY_EXTERNAL: 'TRUE',
      FUSION_PROXY_SERVICE: 'api-gateway',
      FUSION_PROXY_INSTANCE: 'api-gateway-2',
      FUSION_PROXY_STATIC_ENDPOINTS: endpointsFile,
      // Static endpoints are the fallback for a proxy without the destination service.
      LINKERD2_PROXY_DESTINATION_SVC_ADDR: undefined,
      LINKERD2_PROXY_DESTINATION_SVC_NAME: undefined,
    });
    assert.equal(env.log.format, 'json');
    assert.deepEqual(env.inboundListen, { host: '127.0.0.2', port: 8001 });
    assert.deepEqual(env.outboundListen, { host: '::1', port: 0 });
    assert.deepEqual(env.adminListen, { host: '0.0.0.0', port: 4191 });
    assert.deepEqual(env.traceCollectorAddr, { host: 'localhost', port: 4318 });
    assert.equal(env.shutdownEndpointEnabled, true);
    assert.equal(env.shutdownGracePeriodMs, 10_000);
    assert.equal(env.inboundConnectTimeoutMs, 500);
    assert.equal(env.outboundConnectTimeoutMs, 120_000);
    assert.equal(env.appProtocol, 'h2c');
    assert.equal(env.external, true);
    assert.equal(env.service, 'api-gateway');
    assert.equal(env.instance, 'api-gateway-2');
    assert.equal(env.staticEndpointsPath, endpointsFile);
    assert.equal(env.destinationAddr, undefined);
  });

  it("requires the destination service's identity with its address, as Linkerd does", () => {
    const problems = problemsOf({ ...seedEnv(), LINKERD2_PROXY_DESTINATION_SVC_NAME: undefined });
    assert.deepEqual(problems, [
      {
        variable: 'LINKERD2_PROXY_DESTINATION_SVC_NAME',
        message:
          "LINKERD2_PROXY_DESTINATION_SVC_NAME is not set: expected the destination service's identity, a lowercase DNS name, when LINKERD2_PROXY_DESTINATION_SVC_ADDR is set",
      },
    ]);
    const alone = readProxyEnv({ ...seedEnv(), LINKERD2_PROXY_DESTINATION_SVC_ADDR: undefined });
    assert.equal(alone.destinationName, undefined);
    assert.deepEqual(alone.warnings, [
      'LINKERD2_PROXY_DESTINATION_SVC_NAME is set without LINKERD2_PROXY_DESTINATION_SVC_ADDR; it is ignored',
    ]);
  });

  it('ignores static endpoints, saying so, when the destination service is set', () => {
    const env = readProxyEnv({ ...seedEnv(), FUSION_PROXY_STATIC_ENDPOINTS: endpointsFile });
    assert.equal(env.staticEndpointsPath, undefined);
    assert.deepEqual(env.warnings, [
      'FUSION_PROXY_STATIC_ENDPOINTS is ignored: endpoints come from LINKERD2_PROXY_DESTINATION_SVC_ADDR',
    ]);
  });

  it('allows a zero grace period (exit without draining) but no zero timeouts', () => {
    const env = readProxyEnv({ ...seedEnv(), LINKERD2_PROXY_SHUTDOWN_GRACE_PERIOD: '0' });
    assert.equal(env.shutdownGracePeriodMs, 0);
    const problems = problemsOf({ ...seedEnv(), LINKERD2_PROXY_INBOUND_CONNECT_TIMEOUT: '0' });
    assert.deepEqual(
      problems.map((p) => p.variable),
      ['LINKERD2_PROXY_INBOUND_CONNECT_TIMEOUT'],
    );
  });

  it('names a missing FUSION_PROXY_APP_ADDR and what it should hold', () => {
    const problems = problemsOf({ ...seedEnv(), FUSION_PROXY_APP_ADDR: undefined });
    assert.deepEqual(problems, [
      {
        variable: 'FUSION_PROXY_APP_ADDR',
        message:
          "FUSION_PROXY_APP_ADDR is not set: expected the app's host:port, e.g. 127.0.0.1:8080 or [::1]:8080",
      },
    ]);
  });

  it('names each malformed variable with its value and what was expected', () => {
    const cases: [string, string, RegExp][] = [
      [
        PROXY_ENV.log,
        'warn,linkerd=loud',
        /is 'warn,linkerd=loud' \(.*'loud' is not a level.*\): expected level\[,target=level…\]/,
      ],
      [PROXY_ENV.log, 'inf', /is 'inf' \('inf' is neither a level/],
      [PROXY_ENV.logFormat, 'yaml', /is 'yaml': expected plain or json$/],
      [PROXY_ENV.inboundListen, '4143', /is '4143': expected host:port/],
      [PROXY_ENV.outboundListen, '127.0.0.1:70000', /is '127.0.0.1:70000': expected host:port/],
      [PROXY_ENV.adminListen, 'localhost', /is 'localhost': expected host:port/],
      [PROXY_ENV.destinationAddr, 'linkerd-destination', /expected host:port/],
      [PROXY_ENV.destinationAddr, 'linkerd-destination:0', /expected host:port/],
      [
        PROXY_ENV.traceCollectorAddr,
        'http://jaeger:4318',
        /is 'http:\/\/jaeger:4318': expected host:port/,
      ],
      [
        PROXY_ENV.inboundDefaultPolicy,
        'allow',
        /is 'allow': expected one of deny, all-authenticated, all-unauthenticated, cluster-authenticated, cluster-unauthenticated, audit$/,
      ],
      [
        PROXY_ENV.inboundDefaultPolicy,
        'All-Authenticated',
        /is 'All-Authenticated': expected one of/,
      ],
      [PROXY_ENV.shutdownEndpointEnabled, 'yes', /is 'yes': expected true or false$/],
      [
        PROXY_ENV.shutdownGracePeriod,
        '2 minutes',
        /is '2 minutes': expected a duration such as 500ms, 10s, 2m or 1h$/,
      ],
      [PROXY_ENV.inboundConnectTimeout, '100', /is '100': expected a positive duration/],
      [PROXY_ENV.outboundConnectTimeout, '1.5s', /is '1.5s': expected a positive duration/],
      [PROXY_ENV.appAddr, '18001', /is '18001': expected the app's host:port/],
      [PROXY_ENV.appProtocol, 'http2', /is 'http2': expected http1 or h2c$/],
      [PROXY_ENV.external, 'maybe', /is 'maybe': expected true or false$/],
      [PROXY_ENV.service, 'AI Kernel', /is 'AI Kernel': expected the service name/],
      [PROXY_ENV.instance, 'ai kernel 1', /is 'ai kernel 1': expected the replica's name/],
      [
        PROXY_ENV.destinationName,
        'Destination.Fusion',
        /is 'Destination.Fusion': expected the destination service's identity/,
      ],
      [
        PROXY_ENV.staticEndpoints,
        join(tmpdir(), 'no-such-endpoints.json'),
        /expected the path of an existing JSON endpoints file/,
      ],
    ];
    for (const [variable, value, expected] of cases) {
      const problems = problemsOf({ ...seedEnv(), [variable]: value });
      assert.equal(problems.length, 1, `${variable}=${value}: ${JSON.stringify(problems)}`);
      assert.equal(problems[0]!.variable, variable);
      assert.ok(problems[0]!.message.startsWith(`${variable} is '`), problems[0]!.message);
      assert.match(problems[0]!.message, expected);
    }
  });

  it('reports every problem at once, identity variables included, in one error', () => {
    const env = {
      ...seedEnv(),
      FUSION_PROXY_APP_ADDR: undefined,
      LINKERD2_PROXY_INBOUND_DEFAULT_POLICY: 'allow',
      LINKERD2_PROXY_SHUTDOWN_GRACE_PERIOD: 'soon',
      [IDENTITY_ENV.svcAddr]: undefined,
    };
    const problems = problemsOf(env);
    assert.deepEqual(problems.map((p) => p.variable).sort(), [
      'FUSION_PROXY_APP_ADDR',
      'LINKERD2_PROXY_IDENTITY_SVC_ADDR',
      'LINKERD2_PROXY_INBOUND_DEFAULT_POLICY',
      'LINKERD2_PROXY_SHUTDOWN_GRACE_PERIOD',
    ]);
    assert.throws(
      () => readProxyEnv(env),
      (error: Error) => {
        assert.match(error.message, /^proxy environment is invalid \(4 problems\):\n/);
        assert.equal(error.message.split('\n').length, 5);
        for (const p of problems) assert.ok(error.message.includes(`\n  ${p.message}`));
        return true;
      },
    );
  });

  it('cuts a long value short in the report', () => {
    const [problem] = problemsOf({ ...seedEnv(), FUSION_PROXY_APP_ADDR: 'x'.repeat(500) });
    assert.ok(problem!.message.length < 250, problem!.message);
    assert.match(problem!.message, /x…': expected/);
  });
});
