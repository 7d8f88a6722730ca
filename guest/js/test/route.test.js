// Unit tests of the routed-prefix rule (pure module; runs under Node:
// `node --test guest/js/test/`). The cases mirror the Rust SDK's
// `transport::route` tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRouted } from '../src/route.js';

const routed = (url, prefixes) => isRouted(url, prefixes);

test('a prefix matches on a segment boundary', () => {
  const p = ['http://h/api'];
  for (const url of ['http://h/api', 'http://h/api/', 'http://h/api/x', 'http://h/api/x/y?q=1', 'http://h/api?q=1']) {
    assert.ok(routed(url, p), url);
  }
  for (const url of ['http://h/apix', 'http://h/ap', 'http://h/', 'http://h/other/api']) {
    assert.ok(!routed(url, p), url);
  }
});

test('a trailing slash on the prefix is ignored', () => {
  const p = ['http://h/api/'];
  assert.ok(routed('http://h/api', p));
  assert.ok(routed('http://h/api/x', p));
  assert.ok(!routed('http://h/apix', p));
});

test('an origin prefix covers every path', () => {
  for (const prefix of ['https://gw.example', 'https://gw.example/']) {
    assert.ok(routed('https://gw.example', [prefix]));
    assert.ok(routed('https://gw.example/', [prefix]));
    assert.ok(routed('https://gw.example/a/b?c', [prefix]));
    assert.ok(!routed('https://gw.example.evil/a', [prefix]));
  }
});

test('the origin is normalised', () => {
  const p = ['HTTPS://API.Example.:443/Tickets'];
  assert.ok(routed('https://api.example/Tickets/7', p));
  assert.ok(routed('https://api.example:443/Tickets', p));
  assert.ok(!routed('https://api.example/tickets', p), 'paths are case-sensitive');
  assert.ok(!routed('http://api.example/Tickets', p));
  assert.ok(!routed('https://api.example:8443/Tickets', p));
  assert.ok(!routed('https://other.example/Tickets', p));
  const ip = ['http://[::1]:8080/x', 'http://127.0.0.1:9/y'];
  assert.ok(routed('http://[0:0:0:0:0:0:0:1]:8080/x/1', ip));
  assert.ok(routed('http://127.0.0.1:9/y', ip));
  assert.ok(!routed('http://127.0.0.1:8080/x', ip));
});

test('fragments and queries do not matter', () => {
  const p = ['http://h/api'];
  assert.ok(routed('http://h/api#frag', p));
  assert.ok(routed('http://h/api/x?y=/apix#z', p));
  assert.ok(!routed('http://h/apix?/api', p));
});

test('odd URLs match nothing', () => {
  const p = ['http://h/api', 'http://h'];
  for (const url of ['http://user@h/api', 'http://h/api/../admin', 'http://h/api/%2E%2e/admin', 'ftp://h/api', '/api', 'http://h:0/api', 'http://h:x/api']) {
    assert.ok(!routed(url, p), url);
  }
  assert.ok(!routed('http://h/api', ['http://h/api?x=1', 'not a url']));
  assert.ok(!routed('http://h/api', []));
});

test('matching the WHATWG form of a URL resolves dot segments first', () => {
  const p = ['http://h/api'];
  assert.ok(!routed(new URL('http://h/api/../admin').href, p));
  assert.ok(routed(new URL('http://h/x/../api/t').href, p));
  assert.ok(routed(new URL('HTTP://H:80/api').href, p));
});
