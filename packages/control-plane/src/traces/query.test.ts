/** Jaeger's search parameters, and the errors that name the one that is wrong. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normaliseTraceId, parseGoDuration, parseTraceQuery, QueryError } from './query.ts';

const parse = (query: string, maxLimit = 1_000) =>
  parseTraceQuery(new URLSearchParams(query), maxLimit);

describe('trace search parameters', () => {
  it('asks for the newest 20 traces when nothing is given', () => {
    assert.deepEqual(parse(''), { limit: 20, order: 'newest' });
    assert.deepEqual(parse('', 5), { limit: 5, order: 'newest' });
  });

  it('reads what Jaeger UI and Grafana send', () => {
    assert.deepEqual(
      parse(
        'service=orders&operation=GET+%2Forders&limit=50&lookback=1h&minDuration=1.5ms&maxDuration=2s' +
          '&start=1700000000000000&end=1700000060000000&tags=%7B%22error%22%3A%22true%22%7D&tag=http.route:/a:b',
      ),
      {
        limit: 50,
        order: 'newest',
        service: 'orders',
        operation: 'GET /orders',
        lookbackMs: 3_600_000,
        startMinMs: 1_700_000_000_000,
        startMaxMs: 1_700_000_060_000,
        minDurationMs: 1.5,
        maxDurationMs: 2_000,
        tags: { error: 'true', 'http.route': '/a:b' },
      },
    );
    // `custom` means start and end carry the window; an empty value is no value.
    assert.deepEqual(parse('lookback=custom&service=&sort=slowest'), {
      limit: 20,
      order: 'slowest',
    });
    assert.equal(parse('limit=5000', 1_000).limit, 1_000);
  });

  it('names the parameter that is wrong', () => {
    const cases: [string, RegExp][] = [
      ['limit=0', /^limit: expected a whole number >= 1, got "0"$/],
      ['limit=ten', /^limit: /],
      ['minDuration=10', /^minDuration: expected a duration such as 500us/],
      ['lookback=yesterday', /^lookback: /],
      ['start=2023-11-14', /^start: expected microseconds since the epoch/],
      ['tags=[1]', /^tags: expected a JSON object/],
      ['tags={', /^tags: /],
      ['tag=novalue', /^tag: expected key:value/],
      ['sort=fastest', /^sort: expected newest or slowest/],
    ];
    for (const [query, message] of cases) {
      assert.throws(
        () => parse(query),
        (error: unknown) => error instanceof QueryError && message.test(error.message),
        query,
      );
    }
  });

  it('reads durations in Go spelling, and days', () => {
    assert.equal(parseGoDuration('500us'), 0.5);
    assert.equal(parseGoDuration('250µs'), 0.25);
    assert.equal(parseGoDuration('1h30m'), 5_400_000);
    assert.equal(parseGoDuration('2d'), 172_800_000);
    assert.equal(parseGoDuration('1000000ns'), 1);
    assert.equal(parseGoDuration('10'), undefined);
    assert.equal(parseGoDuration('-1s'), undefined);
  });

  it('takes trace ids of up to 32 hex digits, padding short ones as Jaeger does', () => {
    assert.equal(
      normaliseTraceId('4BF92F3577B34DA6A3CE929D0E0E4736'),
      '4bf92f3577b34da6a3ce929d0e0e4736',
    );
    assert.equal(normaliseTraceId('a3ce929d0e0e4736'), '0000000000000000a3ce929d0e0e4736');
    assert.equal(normaliseTraceId('xyz'), undefined);
    assert.equal(normaliseTraceId('0'.repeat(33)), undefined);
  });
});
