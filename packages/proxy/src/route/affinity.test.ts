import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HeaderList } from '../http/headers.ts';
import { emptyResponse, type ProxyRequest } from '../http/message.ts';
import { fakeRequest } from '../inbound/testing/stubs.ts';
import { affinityLayer, cookieValue } from './affinity.ts';

function recording() {
  const keys: (string | undefined)[] = [];
  const inner = async (request: ProxyRequest) => {
    keys.push(request.affinityKey);
    return emptyResponse(200, new HeaderList());
  };
  return { keys, inner };
}

describe('affinityLayer', () => {
  it('takes the key from the header named, and leaves requests without it alone', async () => {
    const { keys, inner } = recording();
    const handle = affinityLayer({ kind: 'header', name: 'X-User' }, inner);
    await handle(fakeRequest({ 'x-user': 'alice' }));
    await handle(fakeRequest());
    assert.deepEqual(keys, ['alice', undefined]);
  });

  it('takes the key from the cookie, or makes one and sets the cookie with the ttl', async () => {
    const { keys, inner } = recording();
    const handle = affinityLayer(
      { kind: 'cookie', name: 'fusion-session', ttlMs: 3_600_000 },
      inner,
    );
    await handle(fakeRequest({ cookie: 'a=1; fusion-session=abc; b=2' }));
    const fresh = await handle(fakeRequest());
    assert.equal(keys[0], 'abc');
    const made = keys[1]!;
    assert.match(made, /^[\da-f-]{36}$/);
    assert.equal(
      fresh.headers.get('set-cookie'),
      `fusion-session=${made}; Path=/; HttpOnly; Max-Age=3600`,
    );
  });

  it('reads cookies across several Cookie headers, by exact name', () => {
    assert.equal(cookieValue(['x=1', 'sid=2; sidx=3'], 'sid'), '2');
    assert.equal(cookieValue(['sidx=3'], 'sid'), undefined);
  });
});
