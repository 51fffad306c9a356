import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProxyError } from '../errors/proxy-error.ts';
import { Cancel } from './cancel.ts';

describe('Cancel', () => {
  it('tells each listener once, in order, with the reason; a second cancel changes nothing', () => {
    const cancel = new Cancel();
    const heard: string[] = [];
    cancel.onCancel((reason) => heard.push(`a ${reason.code}`));
    cancel.onCancel((reason) => heard.push(`b ${reason.code}`));
    const first = new ProxyError('REQUEST_TIMEOUT', 'late');
    cancel.cancel(first);
    cancel.cancel(new ProxyError('RESET', 'again'));
    assert.deepEqual(heard, ['a REQUEST_TIMEOUT', 'b REQUEST_TIMEOUT']);
    assert.equal(cancel.reason, first);
    assert.equal(cancel.cancelled, true);
  });

  it('a listener removed is not told; one added after the fact is told at once', () => {
    const cancel = new Cancel();
    const heard: string[] = [];
    const remove = cancel.onCancel(() => heard.push('removed'));
    cancel.onCancel(() => heard.push('kept'));
    remove();
    remove();
    cancel.cancel(new ProxyError('RESET', 'gone'));
    cancel.onCancel(() => heard.push('late'));
    assert.deepEqual(heard, ['kept', 'late']);
  });
});
