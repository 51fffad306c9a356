import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { test } from 'node:test';
import {
  commandLine,
  decodeAddress,
  isAlive,
  listeningAddresses,
  pidListeningOn,
} from './processes.ts';

test('decodes /proc/net/tcp addresses, v4 and v6', () => {
  assert.deepEqual(decodeAddress('0100007F:1F40'), { host: '127.0.0.1', port: 8000 });
  assert.deepEqual(decodeAddress('0200007F:1F41'), { host: '127.0.0.2', port: 8001 });
  assert.deepEqual(decodeAddress('00000000000000000000000000000000:0050'), {
    host: '::',
    port: 80,
  });
  assert.deepEqual(decodeAddress('00000000000000000000000001000000:0050'), {
    host: '0:0:0:0:0:0:0:1',
    port: 80,
  });
  assert.deepEqual(decodeAddress('0000000000000000FFFF00000100007F:0050'), {
    host: '127.0.0.1',
    port: 80,
  });
});

test('finds the ports this process listens on', {
  skip: process.platform !== 'linux' && 'needs /proc',
}, async () => {
  const server = createServer().listen(0, '127.0.0.3');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  try {
    assert.ok(
      listeningAddresses(process.pid)?.some((a) => a.host === '127.0.0.3' && a.port === port),
    );
    assert.equal(pidListeningOn(port), process.pid);
  } finally {
    server.close();
  }
});

test('knows live and dead processes', () => {
  assert.equal(isAlive(process.pid), true);
  assert.equal(isAlive(2 ** 22 + 12345), false);
  assert.match(commandLine(process.pid) ?? '', /node/);
});
