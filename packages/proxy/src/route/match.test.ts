import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RouteMatch } from '@fusion/mesh-types';
import { HeaderList } from '../http/headers.ts';
import type { ProxyRequest } from '../http/message.ts';
import { fakeRequest } from '../inbound/testing/stubs.ts';
import { matchesRoute } from './match.ts';

function request(path: string, method = 'GET', headers: Record<string, string> = {}): ProxyRequest {
  return { ...fakeRequest(), path, method, headers: HeaderList.from(headers) };
}

/** The paths of `paths` that `match` takes. */
function matching(match: RouteMatch, paths: string[]): string[] {
  return paths.filter((path) => matchesRoute(match, request(path)));
}

const PATHS = ['/users', '/users/', '/users/7', '/users?x=1', '/usersettings', '/user', '/'];

describe('matchesRoute', () => {
  it('matches every request when no condition is given', () => {
    assert.deepEqual(matching({ headers: [] }, PATHS), PATHS);
  });

  it('matches an exact path, ignoring the query', () => {
    const exact: RouteMatch = { path: { kind: 'exact', value: '/users' }, headers: [] };
    assert.deepEqual(matching(exact, PATHS), ['/users', '/users?x=1']);
  });

  it('matches a prefix by whole segments', () => {
    const prefix: RouteMatch = { path: { kind: 'prefix', value: '/users' }, headers: [] };
    assert.deepEqual(matching(prefix, PATHS), ['/users', '/users/', '/users/7', '/users?x=1']);
    const slashed: RouteMatch = { path: { kind: 'prefix', value: '/users/' }, headers: [] };
    assert.deepEqual(matching(slashed, PATHS), matching(prefix, PATHS));
    const root: RouteMatch = { path: { kind: 'prefix', value: '/' }, headers: [] };
    assert.deepEqual(matching(root, PATHS), PATHS);
  });

  it('matches query parameters exactly, by name and first value (Gateway API queryParams)', () => {
    const canary: RouteMatch = { headers: [], queryParams: [{ name: 'variant', value: 'b' }] };
    const paths = [
      '/a?variant=b',
      '/a?x=1&variant=b',
      '/a?variant=bb',
      '/a?Variant=b',
      '/a',
      '/a?variant=b&variant=c',
      '/a?variant=c&variant=b',
    ];
    assert.deepEqual(matching(canary, paths), [
      '/a?variant=b',
      '/a?x=1&variant=b',
      '/a?variant=b&variant=c',
    ]);
    const encoded: RouteMatch = { headers: [], queryParams: [{ name: 'q', value: 'a b' }] };
    assert.deepEqual(matching(encoded, ['/s?q=a%20b', '/s?q=a+b', '/s?q=ab']), [
      '/s?q=a%20b',
      '/s?q=a+b',
    ]);
  });

  it('matches the method', () => {
    const post: RouteMatch = { method: 'POST', headers: [] };
    assert.equal(matchesRoute(post, request('/', 'POST')), true);
    assert.equal(matchesRoute(post, request('/', 'GET')), false);
  });

  it('matches header values exactly', () => {
    const canary: RouteMatch = { headers: [{ name: 'x-canary', value: 'yes' }] };
    assert.equal(matchesRoute(canary, request('/', 'GET', { 'x-canary': 'yes' })), true);
    assert.equal(matchesRoute(canary, request('/', 'GET', { 'x-canary': 'Yes' })), false);
    assert.equal(matchesRoute(canary, request('/', 'GET', { 'x-canary': 'yes!' })), false);
    assert.equal(matchesRoute(canary, request('/')), false);
  });

  it('needs every condition to hold', () => {
    const all: RouteMatch = {
      path: { kind: 'prefix', value: '/users' },
      method: 'PUT',
      headers: [
        { name: 'x-tenant', value: 'a' },
        { name: 'x-canary', value: 'yes' },
      ],
    };
    const headers = { 'x-tenant': 'a', 'x-canary': 'yes' };
    assert.equal(matchesRoute(all, request('/users/7', 'PUT', headers)), true);
    assert.equal(matchesRoute(all, request('/users/7', 'GET', headers)), false);
    assert.equal(matchesRoute(all, request('/usersettings', 'PUT', headers)), false);
    assert.equal(matchesRoute(all, request('/users/7', 'PUT', { 'x-tenant': 'a' })), false);
  });
});
