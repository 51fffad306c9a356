import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  createIssuer,
  createTrustAnchor,
  importTokenVerificationKey,
  parseCertificates,
  signedByAny,
  verifyWorkloadToken,
} from '@fusion/pki';
import { pkiFiles } from './pki-dir.ts';
import {
  beginAnchorRotation,
  checkPki,
  ensurePki,
  finishAnchorRotation,
  rotateIssuer,
} from './pki-setup.ts';
import { writeTokens } from './tokens.ts';

const TD = 'cluster.local';
const fresh = () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'fusion-pki-'));
  return { stateDir, files: pkiFiles(stateDir) };
};
const mode = (path: string) => statSync(path).mode & 0o777;
const certs = (path: string) => parseCertificates(readFileSync(path, 'utf8'));

describe('ensurePki', () => {
  test('creates anchor, issuer and token keys once, private files 0600 in a 0700 directory', async () => {
    const { files } = fresh();
    const first = await ensurePki(files, TD);
    assert.equal(first.created, true);
    assert.deepEqual(first.problems, []);
    assert.equal(mode(files.dir), 0o700);
    for (const key of [files.anchorKey, files.issuerKey, files.tokenKey])
      assert.equal(mode(key), 0o600);
    assert.equal(certs(files.anchors)[0]!.subject, `CN=root.${TD}`);
    assert.equal(certs(files.issuerCert)[0]!.subject, `CN=identity.fusion.${TD}`);
    const issuerBefore = readFileSync(files.issuerCert, 'utf8');
    const second = await ensurePki(files, TD);
    assert.equal(second.created, false);
    assert.equal(readFileSync(files.issuerCert, 'utf8'), issuerBefore, 'an existing PKI is kept');
  });

  test('bring your own: valid files are installed; each problem is named and nothing is installed', async () => {
    const source = mkdtempSync(join(tmpdir(), 'fusion-own-'));
    const anchor = await createTrustAnchor({ commonName: 'my-root' });
    const issuer = await createIssuer(anchor, { commonName: 'my-issuer' });
    const stranger = await createIssuer(await createTrustAnchor({ commonName: 'other' }), {
      commonName: 'x',
    });
    const write = (name: string, text: string) => {
      writeFileSync(join(source, name), text);
      return join(source, name);
    };
    const own = {
      trustAnchor: write('ca.crt', anchor.certPem),
      issuerCert: write('i.crt', issuer.certPem),
      issuerKey: write('i.key', issuer.keyPem),
    };

    const { files } = fresh();
    const installed = await ensurePki(files, TD, own);
    assert.deepEqual(installed.problems, []);
    assert.equal(certs(files.issuerCert)[0]!.subject, 'CN=my-issuer');

    const refused = fresh();
    const wrongKey = await ensurePki(refused.files, TD, {
      ...own,
      issuerKey: write('s.key', stranger.keyPem),
    });
    assert.deepEqual(
      wrongKey.problems.map((p) => p.code),
      ['issuer-key-mismatch'],
    );
    const unchained = await ensurePki(refused.files, TD, {
      ...own,
      issuerCert: write('s.crt', stranger.certPem),
      issuerKey: write('s.key', stranger.keyPem),
    });
    assert.deepEqual(
      unchained.problems.map((p) => p.code),
      ['issuer-not-chained'],
    );
    const missing = await ensurePki(refused.files, TD, {
      ...own,
      trustAnchor: join(source, 'nope.crt'),
    });
    assert.equal(missing.problems[0]?.code, 'file-unreadable');
    assert.match(missing.problems[0]!.message, /--trust-anchor .*nope\.crt/);
  });
});

describe('rotation', () => {
  test('rotate-issuer: a new issuer under the same anchor', async () => {
    const { files } = fresh();
    await ensurePki(files, TD);
    const before = certs(files.issuerCert)[0]!;
    const rotated = await rotateIssuer(files, TD);
    const after = certs(files.issuerCert)[0]!;
    assert.notEqual(after.serialNumber, before.serialNumber);
    assert.equal(after.serialNumber, rotated.cert.serialNumber);
    assert.ok(await signedByAny(after, certs(files.anchors)));
    assert.deepEqual(await checkPki(files), []);
  });

  test('rotate-anchor: overlap bundle, then issuer under the new anchor, then finish', async () => {
    const { files } = fresh();
    await ensurePki(files, TD);
    const [oldAnchor] = certs(files.anchors);
    await beginAnchorRotation(files, TD);
    const bundle = certs(files.anchors);
    assert.equal(bundle.length, 2, 'old and new anchors are both trusted');
    assert.equal(bundle[1]!.serialNumber, oldAnchor!.serialNumber);
    assert.deepEqual(await checkPki(files), [], 'the old issuer still chains (to the old anchor)');
    await assert.rejects(finishAnchorRotation(files), /does not chain to the new anchor yet/);
    await rotateIssuer(files, TD);
    assert.ok(await signedByAny(certs(files.issuerCert)[0]!, [bundle[0]!]));
    await finishAnchorRotation(files);
    assert.deepEqual(
      certs(files.anchors).map((c) => c.serialNumber),
      [bundle[0]!.serialNumber],
    );
    assert.deepEqual(await checkPki(files), []);
    await assert.rejects(finishAnchorRotation(files), /only one trust anchor/);
  });
});

test('workload tokens are written 0600 and verify for their identity', async () => {
  const { stateDir, files } = fresh();
  await ensurePki(files, TD);
  const file = join(stateDir, 'run/tokens/vision.jwt');
  const identity = `vision.default.serviceaccount.identity.${TD}`;
  await writeTokens(files, stateDir, [{ file, identity }]);
  assert.equal(mode(file), 0o600);
  assert.equal(mode(join(stateDir, 'run/tokens')), 0o700);
  const key = await importTokenVerificationKey(readFileSync(files.tokenPublicKey, 'utf8'));
  assert.equal((await verifyWorkloadToken(key, readFileSync(file, 'utf8'))).identity, identity);
});
