import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatHostPort,
  parseAppProtocol,
  parseBool,
  parseConnectAddress,
  parseDuration,
  parseListenAddress,
} from './values.ts';

describe('addresses', () => {
  it('reads host:port, [ipv6]:port and DNS names with a trailing dot', () => {
    assert.deepEqual(parseListenAddress('0.0.0.0:4143'), { host: '0.0.0.0', port: 4143 });
    assert.deepEqual(parseListenAddress('[::1]:4140'), { host: '::1', port: 4140 });
    assert.deepEqual(parseConnectAddress('linkerd-dst.linkerd.svc.cluster.local.:8086'), {
      host: 'linkerd-dst.linkerd.svc.cluster.local.',
      port: 8086,
    });
  });

  it('lets listeners ask for port 0 but not connections', () => {
    assert.deepEqual(parseListenAddress('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
    assert.equal(parseConnectAddress('127.0.0.1:0'), undefined);
  });

  it('refuses anything else', () => {
    for (const text of ['4143', ':4143', 'host:', 'host:65536', '::1:80', 'http://a:1', 'a b:1']) {
      assert.equal(parseListenAddress(text), undefined, text);
    }
  });

  it('writes addresses back with IPv6 in brackets', () => {
    assert.equal(formatHostPort({ host: '::1', port: 80 }), '[::1]:80');
    assert.equal(formatHostPort({ host: '127.0.0.1', port: 80 }), '127.0.0.1:80');
  });
});

describe('parseBool', () => {
  it('takes true/false in any case and 1/0', () => {
    assert.equal(parseBool('true'), true);
    assert.equal(parseBool('False'), false);
    assert.equal(parseBool('1'), true);
    assert.equal(parseBool('0'), false);
    assert.equal(parseBool('yes'), undefined);
  });
});

describe('parseDuration', () => {
  it('reads the units and refuses zero unless allowed', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('10s'), 10_000);
    assert.equal(parseDuration('2m'), 120_000);
    assert.equal(parseDuration('1h'), 3_600_000);
    assert.equal(parseDuration('0'), undefined);
    assert.equal(parseDuration('0s', true), 0);
    assert.equal(parseDuration('10'), undefined);
  });
});

describe('parseAppProtocol', () => {
  it('takes http1 and h2c only', () => {
    assert.equal(parseAppProtocol('http1'), 'http1');
    assert.equal(parseAppProtocol('H2C'), 'h2c');
    assert.equal(parseAppProtocol('h2'), undefined);
  });
});
