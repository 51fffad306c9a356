import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import type { Balancer, BalanceTarget, NewBalancer } from '../balance/index.ts';
import type { Discovery, Endpoint } from '../discovery/index.ts';
import type { ProxyError } from '../errors/proxy-error.ts';
import { HeaderList } from '../http/headers.ts';
import { emptyResponse, type ProxyRequest } from '../http/message.ts';
import { logical } from './logical.ts';

/** Discovery the test edits, announcing each change as the file-based one does. */
class EditableDiscovery extends EventEmitter<{ change: [string] }> implements Discovery {
  readonly table = new Map<string, Endpoint[]>();
  resolve = (service: string) => this.table.get(service);
  services = () => [...this.table.keys()];
  set(service: string, endpoints: Endpoint[] | undefined) {
    if (endpoints) this.table.set(service, endpoints);
    else this.table.delete(service);
    this.emit('change', service);
  }
}

/** Balancers that answer with their service's name and record what happens to them. */
function fakeBalancers() {
  const built: BalanceTarget[] = [];
  const updates: [string, number][] = [];
  const closed: string[] = [];
  const newBalancer: NewBalancer = (target): Balancer => {
    built.push(target);
    return {
      handle: async () => emptyResponse(200, HeaderList.from({ 'x-service': target.service })),
      update: (endpoints) => updates.push([target.service, endpoints.length]),
      snapshot: () => [],
      close: () => closed.push(target.service),
    };
  };
  return { newBalancer, built, updates, closed };
}

const to = (authority: string) => ({ authority }) as ProxyRequest;
const endpoint = (port: number): Endpoint => ({ address: `10.0.0.1:${port}`, identity: 'x' });

describe('logical', () => {
  it('builds one balancer per service, whatever the spelling of its authority', async () => {
    const discovery = new EditableDiscovery();
    discovery.table.set('identity', [endpoint(1)]);
    const fake = fakeBalancers();
    const handler = logical(discovery, new AbortController().signal)(fake.newBalancer);
    for (const authority of ['identity', 'identity:8002', 'identity.default.svc.cluster.local']) {
      for (let i = 0; i < 3; i++) {
        assert.equal((await handler(to(authority))).headers.get('x-service'), 'identity');
      }
    }
    assert.deepEqual(fake.built, [{ service: 'identity', endpoints: [endpoint(1)] }]);
  });

  it('refuses an unknown service with UNKNOWN_SERVICE and builds nothing', async () => {
    const fake = fakeBalancers();
    const handler = logical(
      new EditableDiscovery(),
      new AbortController().signal,
    )(fake.newBalancer);
    await assert.rejects(handler(to('nosuch:80')), (error: ProxyError) => {
      assert.equal(error.code, 'UNKNOWN_SERVICE');
      assert.equal(error.status, 503);
      return true;
    });
    assert.equal(fake.built.length, 0);
  });

  it('follows discovery: updates in place, and forgets a service that disappears', async () => {
    const discovery = new EditableDiscovery();
    discovery.set('identity', [endpoint(1)]);
    const fake = fakeBalancers();
    const handler = logical(discovery, new AbortController().signal)(fake.newBalancer);
    await handler(to('identity:80'));
    discovery.set('identity', [endpoint(1), endpoint(2)]);
    discovery.set('vision', [endpoint(3)]); // never called: nothing to update
    assert.deepEqual(fake.updates, [['identity', 2]]);

    discovery.set('identity', undefined);
    assert.deepEqual(fake.closed, ['identity']);
    await assert.rejects(handler(to('identity:80')), /UNKNOWN_SERVICE|no service named/);

    discovery.set('identity', [endpoint(4)]);
    await handler(to('identity:80'));
    assert.deepEqual(fake.built.at(-1), { service: 'identity', endpoints: [endpoint(4)] });
  });

  it('closes every balancer and stops listening when the signal aborts', async () => {
    const discovery = new EditableDiscovery();
    discovery.set('a', [endpoint(1)]);
    discovery.set('b', [endpoint(2)]);
    const fake = fakeBalancers();
    const shutdown = new AbortController();
    const handler = logical(discovery, shutdown.signal)(fake.newBalancer);
    await handler(to('a'));
    await handler(to('b'));
    shutdown.abort();
    assert.deepEqual(fake.closed.sort(), ['a', 'b']);
    assert.equal(discovery.listenerCount('change'), 0);
    await assert.rejects(handler(to('a')), /FAIL_FAST|shutting down/);
  });

  it('lets the first requests of a service wait for discovery that learns on demand', async () => {
    const discovery = new EditableDiscovery();
    let answer: () => void = () => {};
    const answered = new Promise<void>((resolve) => {
      answer = resolve;
    });
    const asked: string[] = [];
    const onDemand: Discovery = Object.assign(discovery, {
      whenResolved: (service: string) => {
        asked.push(service);
        return discovery.table.has(service) ? undefined : answered;
      },
    });
    const fake = fakeBalancers();
    const handler = logical(onDemand, new AbortController().signal)(fake.newBalancer);
    const first = handler(to('identity'));
    const second = handler(to('identity:8002'));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(fake.built.length, 0, 'nothing is built before the answer');
    discovery.set('identity', [endpoint(1)]);
    answer();
    assert.equal((await first).headers.get('x-service'), 'identity');
    assert.equal((await second).headers.get('x-service'), 'identity');
    assert.equal(fake.built.length, 1, 'both waiters share one balancer');
    await handler(to('identity'));
    assert.equal(asked.length, 2, 'once the balancer exists, discovery is not asked again');
  });

  it('fails with FAIL_FAST, saying why, when discovery gives up waiting', async () => {
    const discovery = Object.assign(new EditableDiscovery(), {
      whenResolved: () => Promise.reject(new Error('the destination service has not answered')),
    });
    const fake = fakeBalancers();
    const handler = logical(discovery, new AbortController().signal)(fake.newBalancer);
    await assert.rejects(handler(to('vision')), (error: ProxyError) => {
      assert.equal(error.code, 'FAIL_FAST');
      assert.equal(
        error.message,
        'service vision is unavailable: the destination service has not answered',
      );
      return true;
    });
    assert.equal(fake.built.length, 0);
  });
});
