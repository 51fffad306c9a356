import assert from 'node:assert/strict';
import { createPublicKey, X509Certificate } from 'node:crypto';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  createTestPki,
  type FakeIdentityService,
  IDENTITY_SERVICE_NAME,
  KERNEL,
  startFakeIdentityService,
  type TestPki,
  tokenDir,
} from '../testing/index.ts';
import { type CertifyParams, certify } from './certify.ts';
import { CertifyError, type CertifyFailureCode } from './errors.ts';

let pki: TestPki;
let service: FakeIdentityService;
let token: Awaited<ReturnType<typeof tokenDir>>;

before(async () => {
  pki = await createTestPki();
  service = await startFakeIdentityService({ pki, serverIdentity: IDENTITY_SERVICE_NAME });
  token = await tokenDir(await pki.mintToken(KERNEL));
});

after(async () => {
  await service.close();
  await token.remove();
});

function params(overrides: Partial<CertifyParams> = {}): CertifyParams {
  return {
    identity: KERNEL,
    tokenFile: token.file,
    trustAnchorsPem: pki.anchorsPem,
    identityAddr: service.addr,
    identityServerName: IDENTITY_SERVICE_NAME,
    timeoutMs: 5_000,
    now: Date.now,
    ...overrides,
  };
}

async function failure(p: CertifyParams): Promise<CertifyError> {
  try {
    await certify(p);
  } catch (error) {
    assert.ok(error instanceof CertifyError, String(error));
    return error;
  }
  assert.fail('certify should have failed');
}

async function withService<T>(
  setup: (s: FakeIdentityService) => void,
  run: (s: FakeIdentityService) => Promise<T>,
): Promise<T> {
  const own = await startFakeIdentityService({ pki, serverIdentity: IDENTITY_SERVICE_NAME });
  setup(own);
  try {
    return await run(own);
  } finally {
    await own.close();
  }
}

describe('certify', () => {
  it('obtains a leaf for our identity and key that chains to the anchor', async () => {
    const callsBefore = service.callCount;
    const credentials = await certify(params());
    assert.equal(service.callCount, callsBefore + 1);
    assert.equal(service.calls.at(-1)?.token, await readToken());
    assert.equal(service.calls.at(-1)?.serial, credentials.serial);

    const [leafPem, issuerPem, ...rest] = credentials.certChainPem.split(/\n(?=-----BEGIN)/);
    assert.equal(rest.length, 0, 'chain is leaf + issuer');
    const leaf = new X509Certificate(leafPem!);
    const issuer = new X509Certificate(issuerPem!);
    const anchor = new X509Certificate(pki.anchorsPem);
    assert.equal(
      leaf.subjectAltName,
      `DNS:${KERNEL}, URI:spiffe://cluster.local/ns/default/sa/ai-kernel`,
    );
    const ourKey = createPublicKey(credentials.keyPem).export({ type: 'spki', format: 'der' });
    assert.ok(ourKey.equals(leaf.publicKey.export({ type: 'spki', format: 'der' })));
    assert.ok(leaf.checkIssued(issuer) && leaf.verify(issuer.publicKey));
    assert.ok(issuer.checkIssued(anchor) && issuer.verify(anchor.publicKey));
    assert.equal(credentials.validUntil.getTime(), new Date(leaf.validTo).getTime());
  });

  it('generates a new key for every certificate', async () => {
    const first = await certify(params());
    const second = await certify(params());
    assert.notEqual(first.keyPem, second.keyPem);
    assert.notEqual(first.serial, second.serial);
  });

  it('refuses an identity service whose certificate names someone else, before sending the token', async () => {
    const impostorName = 'destination.fusion.serviceaccount.identity.cluster.local';
    const impostor = await startFakeIdentityService({ pki, serverIdentity: impostorName });
    try {
      const error = await failure(params({ identityAddr: impostor.addr }));
      assert.equal(error.code, 'server-identity-mismatch');
      assert.ok(error.message.includes(impostorName), error.message);
      assert.ok(error.message.includes(IDENTITY_SERVICE_NAME), error.message);
      assert.equal(impostor.callCount, 0, 'the workload token never reached the impostor');
    } finally {
      await impostor.close();
    }
  });

  it('refuses an identity service whose certificate does not chain to our anchors', async () => {
    const foreign = await createTestPki();
    const stranger = await startFakeIdentityService({
      pki: foreign,
      serverIdentity: IDENTITY_SERVICE_NAME,
    });
    try {
      const error = await failure(params({ identityAddr: stranger.addr }));
      assert.equal(error.code, 'server-untrusted', error.message);
      assert.equal(stranger.callCount, 0);
    } finally {
      await stranger.close();
    }
  });

  it("turns the service's refusal body into an error carrying its code and status", async () => {
    const other = await tokenDir(
      await pki.mintToken('cv-engine.default.serviceaccount.identity.cluster.local'),
    );
    const garbage = await tokenDir('not-a-jwt');
    try {
      const mismatch = await failure(params({ tokenFile: other.file }));
      assert.deepEqual([mismatch.code, mismatch.status], ['token-identity-mismatch', 403]);
      const malformed = await failure(params({ tokenFile: garbage.file }));
      assert.deepEqual([malformed.code, malformed.status], ['token-malformed', 403]);
    } finally {
      await other.remove();
      await garbage.remove();
    }
    await withService(
      (s) => {
        s.failing = true;
      },
      async (s) => {
        const unavailable = await failure(params({ identityAddr: s.addr }));
        assert.deepEqual([unavailable.code, unavailable.status], ['issuer-unavailable', 503]);
        assert.match(unavailable.message, /issuer is not ready/);
      },
    );
  });

  it('refuses a leaf for another key, another identity, or from a foreign issuer', async () => {
    const expected: [FakeIdentityService['tampering'], CertifyFailureCode][] = [
      ['other-key', 'leaf-key-mismatch'],
      ['other-identity', 'leaf-identity-mismatch'],
      ['foreign-issuer', 'leaf-untrusted'],
    ];
    for (const [tampering, code] of expected) {
      await withService(
        (s) => {
          s.tampering = tampering;
        },
        async (s) => {
          const error = await failure(params({ identityAddr: s.addr }));
          assert.equal(error.code, code, `${tampering}: ${error.message}`);
          assert.equal(s.calls[0]?.outcome, 'issued', 'the service did issue; the client refused');
        },
      );
    }
  });

  it('reports a missing or empty token file, naming the file and the variable', async () => {
    const missing = await failure(params({ tokenFile: `${token.dir}/nope` }));
    assert.equal(missing.code, 'token-unreadable');
    assert.match(missing.message, /nope.*LINKERD2_PROXY_IDENTITY_TOKEN_FILE/);
    const empty = await tokenDir('\n');
    try {
      const error = await failure(params({ tokenFile: empty.file }));
      assert.equal(error.code, 'token-unreadable');
      assert.match(error.message, /is empty/);
    } finally {
      await empty.remove();
    }
  });

  it('reports an unreachable service, a silent one and an aborted call by code', async () => {
    const closed = await withService(
      () => {},
      async (s) => s.addr,
    );
    assert.equal((await failure(params({ identityAddr: closed }))).code, 'unreachable');

    const silent = await silentService();
    try {
      const error = await failure(params({ identityAddr: silent.addr, timeoutMs: 200 }));
      assert.equal(error.code, 'timeout');
      const abort = new AbortController();
      const pending = failure(params({ identityAddr: silent.addr, signal: abort.signal }));
      setTimeout(() => abort.abort(), 50);
      assert.equal((await pending).code, 'aborted');
    } finally {
      await silent.close();
    }
  });
});

async function readToken(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  return readFile(token.file, 'utf8');
}

/** An identity service that accepts the call and never answers. */
async function silentService(): Promise<{ addr: string; close(): Promise<void> }> {
  const { keyPem, certChainPem } = await pki.serverCredentials(IDENTITY_SERVICE_NAME);
  const server = http2.createSecureServer({ key: keyPem, cert: certChainPem });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => sessions.add(s));
  server.on('stream', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    addr: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      for (const s of sessions) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
