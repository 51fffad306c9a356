import assert from 'node:assert/strict';
import { rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { PkiProblem } from '@fusion/pki';
import { PKI_FILES } from './issuer.ts';
import { IssuerLoadError, IssuerStore } from './issuer-store.ts';
import {
  captureLogger,
  createTestPki,
  nextEvent,
  type TestPki,
  writeAtomically,
} from './testing.ts';

let pki: TestPki;
let store: IssuerStore | undefined;

beforeEach(async () => {
  pki = await createTestPki();
});
afterEach(async () => {
  await store?.close();
  store = undefined;
  await pki.remove();
});

describe('IssuerStore', () => {
  it('loads the issuer and describes it', async () => {
    const { logger, lines } = captureLogger();
    store = await IssuerStore.open({ dir: pki.dir, logger });
    const issuer = store.current();
    assert.equal(issuer.subject, 'CN=identity.mesh.test');
    assert.equal(issuer.serial, pki.issuer.cert.serialNumber);
    assert.equal(issuer.certBase64, Buffer.from(pki.issuer.cert.rawData).toString('base64'));
    const loaded = lines.find((l) => l.msg === 'issuer loaded');
    assert.equal(loaded?.subject, 'CN=identity.mesh.test');
  });

  it('refuses to start without a valid issuer, naming each problem', async () => {
    await rm(join(pki.dir, PKI_FILES.issuerKey));
    const { logger } = captureLogger();
    const error = await IssuerStore.open({ dir: pki.dir, logger }).catch((e: unknown) => e);
    assert.ok(error instanceof IssuerLoadError);
    assert.match(error.message, /cannot read .*issuer\.key: ENOENT/);

    const stranger = await pki.newIssuer('stranger.mesh.test');
    await pki.install(pki.issuer, stranger);
    const mismatch = await IssuerStore.open({ dir: pki.dir, logger }).catch(
      (e: IssuerLoadError) => e,
    );
    assert.deepEqual(
      (mismatch as IssuerLoadError).problems.map((p) => p.code),
      ['issuer-key-mismatch'],
    );
  });

  it('swaps in a rotated issuer written key-then-cert, and logs IssuerUpdated', async () => {
    const { logger, lines } = captureLogger();
    store = await IssuerStore.open({ dir: pki.dir, logger });
    const next = await pki.newIssuer('identity-2.mesh.test');
    const updated = nextEvent(store.onUpdated.bind(store));
    await pki.install(next);
    const issuer = await updated;

    assert.equal(issuer.subject, 'CN=identity-2.mesh.test');
    assert.equal(store.current(), issuer);
    const line = lines.find((l) => l.msg === 'IssuerUpdated');
    assert.equal(line?.subject, 'CN=identity-2.mesh.test');
    assert.equal(line?.serial, next.cert.serialNumber);
    assert.equal(line?.not_after, next.cert.notAfter.toISOString());
  });

  it('notices a rotation by polling alone when the watcher misses it', async () => {
    const { logger, lines } = captureLogger();
    store = await IssuerStore.open({ dir: pki.dir, logger, watch: false, pollIntervalMs: 50 });
    const next = await pki.newIssuer('identity-2.mesh.test');
    const updated = nextEvent(store.onUpdated.bind(store));
    await pki.install(next);
    assert.equal((await updated).serial, next.cert.serialNumber);
    assert.ok(lines.some((l) => l.msg === 'cannot watch the PKI directory; polling only'));
  });

  it('keeps the old issuer when the new files do not match, then takes them once they do', async () => {
    const { logger, lines } = captureLogger();
    store = await IssuerStore.open({ dir: pki.dir, logger });
    const old = store.current();
    const next = await pki.newIssuer('identity-2.mesh.test');

    // A writer that has replaced the certificate but not yet the key.
    const rejected = nextEvent<readonly PkiProblem[]>(store.onRejected.bind(store));
    await writeAtomically(join(pki.dir, PKI_FILES.issuerCert), next.certPem);
    const problems = await rejected;
    assert.deepEqual(
      problems.map((p) => p.code),
      ['issuer-key-mismatch'],
    );
    assert.equal(store.current(), old);
    const failed = lines.find((l) => l.msg === 'IssuerValidationFailed');
    assert.equal(failed?.level, 'warn');
    assert.match(
      String((failed?.reasons as string[] | undefined)?.[0]),
      /issuer key does not belong/,
    );

    const updated = nextEvent(store.onUpdated.bind(store));
    await writeAtomically(join(pki.dir, PKI_FILES.issuerKey), next.keyPem, 0o600);
    assert.equal((await updated).subject, 'CN=identity-2.mesh.test');
  });

  it('treats garbage in a file as a refusal, not a crash', async () => {
    const { logger } = captureLogger();
    store = await IssuerStore.open({ dir: pki.dir, logger });
    const rejected = nextEvent<readonly PkiProblem[]>(store.onRejected.bind(store));
    await writeFile(join(pki.dir, PKI_FILES.issuerCert), 'not a certificate\n');
    assert.deepEqual(
      (await rejected).map((p) => p.code),
      ['issuer-missing'],
    );
    assert.equal(store.current().serial, pki.issuer.cert.serialNumber);
  });

  it('does not swap or log when the files are touched but unchanged', async () => {
    const { logger, lines } = captureLogger();
    store = await IssuerStore.open({ dir: pki.dir, logger });
    let swaps = 0;
    store.onUpdated(() => swaps++);
    const future = new Date(Date.now() + 60_000);
    await utimes(join(pki.dir, PKI_FILES.issuerCert), future, future);
    await store.reload();
    assert.equal(swaps, 0);
    assert.equal(lines.filter((l) => l.msg !== 'issuer loaded').length, 0);
  });
});
