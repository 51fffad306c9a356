import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { generateKeyPair, privateKeyToPem, publicKeyToPem } from './keys.ts';
import {
  importTokenSigningKey,
  importTokenVerificationKey,
  mintWorkloadToken,
  TOKEN_ISSUER,
  verifyWorkloadToken,
} from './tokens.ts';

const identity = 'identity.default.serviceaccount.identity.cluster.local';

describe('workload tokens', async () => {
  const keys = await generateKeyPair();
  const signing = await importTokenSigningKey(await privateKeyToPem(keys.privateKey));
  const verifying = await importTokenVerificationKey(await publicKeyToPem(keys.publicKey));

  test('a minted token verifies and names its identity', async () => {
    const token = await mintWorkloadToken(signing, { identity, ttlMs: 60_000 });
    const claims = await verifyWorkloadToken(verifying, token);
    assert.equal(claims.identity, identity);
    assert.ok(claims.expiresAt.getTime() > Date.now());
  });

  const refused = async (token: string, problem: string, pattern: RegExp, now?: Date) => {
    await assert.rejects(
      verifyWorkloadToken(verifying, token, now ? { now } : {}),
      (e: Error & { problem?: string }) => {
        assert.equal(e.problem, problem);
        assert.match(e.message, pattern);
        return true;
      },
    );
  };

  test('refusals carry the problem', async () => {
    const other = await generateKeyPair();
    await refused(
      await mintWorkloadToken(other.privateKey, { identity, ttlMs: 60_000 }),
      'bad-signature',
      /signature/,
    );
    const token = await mintWorkloadToken(signing, { identity, ttlMs: 1_000 });
    await refused(token, 'expired', /expired/, new Date(Date.now() + 10_000));
    const foreign = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(TOKEN_ISSUER)
      .setAudience('someone-else')
      .setSubject(identity)
      .setExpirationTime('1m')
      .sign(signing);
    await refused(foreign, 'wrong-audience', /audience/);
    await refused('not.a.token', 'malformed', /malformed/);
  });
});
