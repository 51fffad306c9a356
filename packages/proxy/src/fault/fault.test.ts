import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FaultInjectionPolicy } from '@fusion/mesh-types';
import { PROXY_ERROR_HEADER } from '../errors/rescue.ts';
import { fakeRequest, recordingHandler } from '../inbound/testing/stubs.ts';
import { type FaultKind, faultLayer } from './fault.ts';

/** The layer over a recording app, with draws and waits the test controls. */
function faulty(policy: FaultInjectionPolicy | undefined, draws: number[], instance?: string) {
  const app = recordingHandler();
  const injected: FaultKind[] = [];
  const waited: number[] = [];
  let current = policy;
  const handler = faultLayer({
    policy: () => current,
    ...(instance !== undefined && { instance }),
    random: () => draws.shift() ?? 0.999,
    wait: async (ms) => {
      waited.push(ms);
    },
    onInjected: (kind) => injected.push(kind),
  })(app.handler);
  return {
    handler,
    app,
    injected,
    waited,
    set: (next: FaultInjectionPolicy | undefined) => {
      current = next;
    },
  };
}

describe('faultLayer', () => {
  it('injects a share only on the routes and for the callers it names', async () => {
    const kernel = 'ai-kernel.default.serviceaccount.identity.cluster.local';
    const policy: FaultInjectionPolicy = {
      abort: {
        percentage: 100,
        status: 503,
        routes: [{ path: { kind: 'prefix', value: '/users' }, headers: [] }],
        clients: { identities: [kernel], unauthenticated: false },
      },
    };
    const f = faulty(policy, []);
    const call = (path: string, clientId?: string) =>
      f.handler({ ...fakeRequest({}, clientId ? { clientId } : {}), path });
    assert.equal((await call('/users/7', kernel)).status, 503);
    assert.equal((await call('/orders/7', kernel)).status, 200, 'another route');
    assert.equal((await call('/users/7')).status, 200, 'another caller');
    assert.deepEqual(f.injected, ['abort']);
  });

  it('injects a share only on the replicas it names, and draws nothing on the others', async () => {
    const policy: FaultInjectionPolicy = {
      abort: { percentage: 100, status: 503, instances: ['identity-2'] },
      delay: { percentage: 100, delayMs: 40, instances: ['identity-1', 'identity-2'] },
    };
    const draws = [0, 0, 0];
    const named = faulty(policy, draws, 'identity-2');
    assert.equal((await named.handler(fakeRequest())).status, 503);
    assert.deepEqual(named.injected, ['delay', 'abort']);
    const delayedOnly = faulty(policy, draws, 'identity-1');
    assert.equal((await delayedOnly.handler(fakeRequest())).status, 200);
    assert.deepEqual(delayedOnly.injected, ['delay']);
    const spared = faulty(policy, draws, 'identity');
    assert.equal((await spared.handler(fakeRequest())).status, 200);
    assert.deepEqual(spared.injected, []);
    assert.deepEqual(draws, [], 'one draw per share that applies, none for the spared replica');
  });

  it('answers the drawn share with the status, and the app never sees those', async () => {
    const f = faulty({ abort: { percentage: 50, status: 503 } }, [0.1, 0.9, 0.49, 0.5]);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await f.handler(fakeRequest())).status);
    assert.deepEqual(statuses, [503, 200, 503, 200]);
    assert.equal(f.app.received.length, 2);
    assert.deepEqual(f.injected, ['abort', 'abort']);
    const aborted = await faulty({ abort: { percentage: 100, status: 500 } }, []).handler(
      fakeRequest(),
    );
    assert.match(String(aborted.headers.get(PROXY_ERROR_HEADER)), /^FAULT_INJECTED: /);
  });

  it('holds the drawn share for the delay, then passes it on; both may fall on one request', async () => {
    const f = faulty(
      { delay: { percentage: 20, delayMs: 500 }, abort: { percentage: 20, status: 503 } },
      [0.1, 0.9, 0.1, 0.1, 0.9, 0.9],
    );
    const first = await f.handler(fakeRequest()); // delayed, passed on
    const second = await f.handler(fakeRequest()); // delayed and aborted
    const third = await f.handler(fakeRequest()); // neither
    assert.deepEqual([first.status, second.status, third.status], [200, 503, 200]);
    assert.deepEqual(f.waited, [500, 500]);
    assert.deepEqual(f.injected, ['delay', 'delay', 'abort']);
    assert.equal(f.app.received.length, 2);
  });

  it('never faults an exempt request (the control plane probing readiness)', async () => {
    const app = recordingHandler();
    const handler = faultLayer({
      policy: () => ({ abort: { percentage: 100, status: 503 } }),
      exempt: (request) => request.ctx.clientId === 'destination.fusion',
    })(app.handler);
    const probe = await handler(fakeRequest({}, { clientId: 'destination.fusion' }));
    const caller = await handler(fakeRequest({}, { clientId: 'ai-kernel' }));
    assert.deepEqual([probe.status, caller.status], [200, 503]);
  });

  it('follows the policy as it changes: none, then some, then none again', async () => {
    const f = faulty(undefined, [0, 0, 0]);
    assert.equal((await f.handler(fakeRequest())).status, 200);
    f.set({ abort: { percentage: 100, status: 429 } });
    assert.equal((await f.handler(fakeRequest())).status, 429);
    f.set(undefined);
    assert.equal((await f.handler(fakeRequest())).status, 200);
    assert.deepEqual(f.injected, ['abort']);
  });
});
