import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createTestPki } from '../testing/index.ts';
import { parseEnvDuration } from './duration.ts';
import { IDENTITY_ENV, IdentityEnvError, readIdentityEnv } from './env.ts';

let anchorsPem = '';
before(async () => {
  anchorsPem = (await createTestPki()).anchorsPem;
});

function seedEnv(): NodeJS.ProcessEnv {
  return {
    LINKERD2_PROXY_IDENTITY_LOCAL_NAME: 'ai-kernel.default.serviceaccount.identity.cluster.local',
    LINKERD2_PROXY_IDENTITY_TOKEN_FILE: '/run/fusion/tokens/ai-kernel',
    LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS: anchorsPem,
    LINKERD2_PROXY_IDENTITY_SVC_ADDR: 'linkerd-identity:8080',
    LINKERD2_PROXY_IDENTITY_SVC_NAME: 'identity.fusion.serviceaccount.identity.cluster.local',
  };
}

function problemsOf(env: NodeJS.ProcessEnv): { variable: string; message: string }[] {
  try {
    readIdentityEnv(env);
  } catch (error) {
    assert.ok(error instanceof IdentityEnvError);
    return [...error.problems];
  }
  assert.fail('expected readIdentityEnv to throw');
}

describe('parseEnvDuration', () => {
  it("reads Linkerd's spellings", () => {
    assert.equal(parseEnvDuration('500ms'), 500);
    assert.equal(parseEnvDuration('10s'), 10_000);
    assert.equal(parseEnvDuration('5m'), 300_000);
    assert.equal(parseEnvDuration('24h'), 86_400_000);
    assert.equal(parseEnvDuration('2d'), 172_800_000);
    assert.equal(parseEnvDuration(' 10s '), 10_000);
    assert.equal(parseEnvDuration('0'), 0);
  });

  it('refuses bare numbers, fractions, negative and unknown units', () => {
    for (const text of ['10', '1.5s', '-1s', '10 s', '10sec', '1h30m', '', 's']) {
      assert.equal(parseEnvDuration(text), undefined, text);
    }
  });
});

describe('readIdentityEnv', () => {
  it("reads the seed's variables with Linkerd's refresh defaults (10 s, 24 h)", () => {
    const options = readIdentityEnv(seedEnv());
    assert.deepEqual(options, {
      identity: 'ai-kernel.default.serviceaccount.identity.cluster.local',
      tokenFile: '/run/fusion/tokens/ai-kernel',
      trustAnchorsPem: anchorsPem.trim(),
      identityAddr: 'linkerd-identity:8080',
      identityServerName: 'identity.fusion.serviceaccount.identity.cluster.local',
      minRefreshMs: 10_000,
      maxRefreshMs: 86_400_000,
    });
  });

  it('parses the refresh bounds as durations', () => {
    const options = readIdentityEnv({
      ...seedEnv(),
      LINKERD2_PROXY_IDENTITY_MIN_REFRESH: '500ms',
      LINKERD2_PROXY_IDENTITY_MAX_REFRESH: '1h',
    });
    assert.equal(options.minRefreshMs, 500);
    assert.equal(options.maxRefreshMs, 3_600_000);
  });

  it('accepts IPv4 and bracketed IPv6 addresses', () => {
    for (const addr of ['127.0.0.1:8080', '[::1]:8080', 'localhost.:8080']) {
      assert.equal(
        readIdentityEnv({ ...seedEnv(), LINKERD2_PROXY_IDENTITY_SVC_ADDR: addr }).identityAddr,
        addr,
      );
    }
  });

  it('names each missing variable and what it should hold', () => {
    const required = [
      [IDENTITY_ENV.localName, '<service>.<namespace>.serviceaccount.identity.<trust-domain>'],
      [IDENTITY_ENV.tokenFile, 'path of the workload token file'],
      [IDENTITY_ENV.trustAnchors, 'PEM trust anchor certificates'],
      [IDENTITY_ENV.svcAddr, 'host:port'],
      [IDENTITY_ENV.svcName, "identity service's own identity"],
    ] as const;
    for (const [variable, expected] of required) {
      const env = seedEnv();
      delete env[variable];
      const problems = problemsOf(env);
      assert.equal(problems.length, 1, variable);
      assert.equal(problems[0]!.variable, variable);
      assert.match(problems[0]!.message, new RegExp(`^${variable} is not set: expected`));
      assert.ok(problems[0]!.message.includes(expected), problems[0]!.message);
    }
  });

  it('reports every problem at once, in one error naming each variable', () => {
    const problems = problemsOf({});
    assert.deepEqual(
      problems.map((p) => p.variable),
      [
        IDENTITY_ENV.localName,
        IDENTITY_ENV.tokenFile,
        IDENTITY_ENV.trustAnchors,
        IDENTITY_ENV.svcAddr,
        IDENTITY_ENV.svcName,
      ],
    );
    assert.throws(
      () => readIdentityEnv({}),
      (error: Error) => {
        for (const variable of Object.values(IDENTITY_ENV).slice(0, 5))
          assert.ok(error.message.includes(variable));
        return true;
      },
    );
  });

  it('names each malformed variable with the value it got and what was expected', () => {
    const cases: [string, string, RegExp][] = [
      [IDENTITY_ENV.localName, 'ai-kernel', /is 'ai-kernel': expected <service>\.<namespace>/],
      [IDENTITY_ENV.trustAnchors, 'not a pem', /contains no PEM certificate/],
      [
        IDENTITY_ENV.trustAnchors,
        '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----',
        /cannot be parsed/,
      ],
      [IDENTITY_ENV.svcAddr, 'linkerd-identity', /is 'linkerd-identity': expected host:port/],
      [IDENTITY_ENV.svcAddr, 'identity:99999', /expected host:port/],
      [IDENTITY_ENV.svcName, 'Identity Service', /is 'Identity Service': expected .*DNS name/],
      [IDENTITY_ENV.minRefresh, '10', /is '10': expected a positive duration such as 500ms, 10s/],
      [IDENTITY_ENV.maxRefresh, 'a day', /is 'a day': expected a positive duration/],
      [IDENTITY_ENV.minRefresh, '0', /is '0': expected a positive duration/],
    ];
    for (const [variable, value, expected] of cases) {
      const problems = problemsOf({ ...seedEnv(), [variable]: value });
      assert.equal(problems.length, 1, `${variable}=${value}`);
      assert.equal(problems[0]!.variable, variable);
      assert.match(problems[0]!.message, expected);
    }
  });

  it('refuses a minimum refresh longer than the maximum', () => {
    const problems = problemsOf({
      ...seedEnv(),
      LINKERD2_PROXY_IDENTITY_MIN_REFRESH: '2h',
      LINKERD2_PROXY_IDENTITY_MAX_REFRESH: '1h',
    });
    assert.equal(problems.length, 1);
    assert.match(
      problems[0]!.message,
      /MIN_REFRESH .* is longer than LINKERD2_PROXY_IDENTITY_MAX_REFRESH/,
    );
  });
});
