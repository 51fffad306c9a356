import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HeaderList } from '../http/headers.ts';
import { budgetOf, parseGrpcTimeout, writeBudget } from './budget.ts';

describe('budgetOf', () => {
  it('reads fusion-timeout-ms, and nothing when the request carries no budget', () => {
    assert.equal(budgetOf(HeaderList.from({ 'fusion-timeout-ms': '1500' })), 1500);
    assert.equal(budgetOf(HeaderList.from({ 'fusion-timeout-ms': '0' })), 0);
    assert.equal(budgetOf(HeaderList.from({ accept: '*/*' })), undefined);
  });

  it('takes the smaller of fusion-timeout-ms and grpc-timeout', () => {
    const both = (ours: string, grpc: string) =>
      budgetOf(HeaderList.from({ 'fusion-timeout-ms': ours, 'grpc-timeout': grpc }));
    assert.equal(both('1500', '1S'), 1000);
    assert.equal(both('700', '1S'), 700);
    assert.equal(budgetOf(HeaderList.from({ 'grpc-timeout': '2M' })), 120_000);
  });

  it('ignores malformed values rather than trusting them', () => {
    for (const bad of ['-5', '1.5', '12ms', '', ' 10', '1234567890']) {
      assert.equal(budgetOf(HeaderList.from({ 'fusion-timeout-ms': bad })), undefined, bad);
    }
    const oursBad = HeaderList.from({ 'fusion-timeout-ms': 'soon', 'grpc-timeout': '250m' });
    assert.equal(budgetOf(oursBad), 250);
    const grpcBad = HeaderList.from({ 'fusion-timeout-ms': '300', 'grpc-timeout': '5 S' });
    assert.equal(budgetOf(grpcBad), 300);
  });
});

describe('parseGrpcTimeout', () => {
  it('converts every gRPC unit to milliseconds', () => {
    assert.equal(parseGrpcTimeout('2H'), 7_200_000);
    assert.equal(parseGrpcTimeout('3M'), 180_000);
    assert.equal(parseGrpcTimeout('4S'), 4_000);
    assert.equal(parseGrpcTimeout('250m'), 250);
    assert.equal(parseGrpcTimeout('1500u'), 1.5);
    assert.equal(parseGrpcTimeout('2000000n'), 2);
  });

  it('refuses more than 8 digits, a missing or unknown unit', () => {
    assert.equal(parseGrpcTimeout('123456789m'), undefined);
    assert.equal(parseGrpcTimeout('12345678m'), 12_345_678);
    assert.equal(parseGrpcTimeout('100'), undefined);
    assert.equal(parseGrpcTimeout('100s'), undefined);
    assert.equal(parseGrpcTimeout('m'), undefined);
  });
});

describe('writeBudget', () => {
  it('writes whole milliseconds, never below zero, replacing what was there', () => {
    const headers = HeaderList.from({ 'fusion-timeout-ms': '9000' });
    writeBudget(headers, 1234.9);
    assert.deepEqual(headers.getAll('fusion-timeout-ms'), ['1234']);
    writeBudget(headers, -20);
    assert.equal(headers.get('fusion-timeout-ms'), '0');
    assert.equal(headers.get('grpc-timeout'), undefined, 'not a gRPC request');
  });

  it('writes grpc-timeout too for a gRPC request, in seconds once ms need 9 digits', () => {
    const headers = HeaderList.from({ 'content-type': 'application/grpc+proto' });
    writeBudget(headers, 2500);
    assert.equal(headers.get('grpc-timeout'), '2500m');
    writeBudget(headers, 99_999_999);
    assert.equal(headers.get('grpc-timeout'), '99999999m');
    writeBudget(headers, 100_000_001);
    assert.equal(headers.get('grpc-timeout'), '100001S');
    assert.equal(budgetOf(headers), 100_000_001, 'rounding up leaves ours the smaller');
  });

  it('round-trips through budgetOf', () => {
    const headers = HeaderList.from({ 'content-type': 'application/grpc' });
    writeBudget(headers, 777);
    assert.equal(budgetOf(headers), 777);
  });
});
