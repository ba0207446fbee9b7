import assert from 'node:assert/strict'
import { test } from 'node:test'
import { anyRedirectUriMatches, redirectUriMatches, redirectUriProblem } from '../../src/oidc/redirect-uris.js'

test('redirect URIs match exactly: no prefix, case, trailing slash, query, encoding or port leeway off loopback', () => {
  const reg = 'https://app.example.com/cb'
  assert.equal(redirectUriMatches(reg, reg), true)
  for (const near of [
    'https://app.example.com/cb/',
    'https://app.example.com/cb?x=1',
    'https://app.example.com/cb#frag',
    'https://app.example.com/CB',
    'https://APP.example.com/cb',
    'https://app.example.com:443/cb',
    'https://app.example.com:8443/cb',
    'https://app.example.com/cb/../cb',
    'https://app.example.com/%63b',
    'https://app.example.com.evil.com/cb',
    'https://evil.com/?https://app.example.com/cb',
    'http://app.example.com/cb',
    'https://app.example.com/c',
    '',
  ]) {
    assert.equal(redirectUriMatches(reg, near), false, near)
  }
})

test('RFC 8252 §7.3: an http loopback URI matches at any port, with the same host, path and query', () => {
  for (const reg of ['http://127.0.0.1/cb', 'http://127.0.0.1:8080/cb']) {
    for (const ok of ['http://127.0.0.1/cb', 'http://127.0.0.1:1/cb', 'http://127.0.0.1:51004/cb', 'http://127.0.0.1:65535/cb']) {
      assert.equal(redirectUriMatches(reg, ok), true, `${reg} ~ ${ok}`)
    }
  }
  assert.equal(redirectUriMatches('http://[::1]/cb?app=1', 'http://[::1]:49152/cb?app=1'), true)
  assert.equal(redirectUriMatches('http://127.0.0.1', 'http://127.0.0.1:5000/'), true, 'an empty path is /')
  assert.equal(redirectUriMatches('http://localhost:3000/cb', 'http://localhost:4000/cb'), true, 'the contract lists localhost as a loopback host')
  for (const bad of [
    'http://127.0.0.1:0/cb',
    'http://127.0.0.1:65536/cb',
    'http://127.0.0.1:123456/cb',
    'http://127.0.0.1:80/cb/',
    'http://127.0.0.1:80/cb?x',
    'http://127.0.0.1:80/cb#x',
    'http://[::1]:80/cb',
    'http://localhost:80/cb',
    'http://LOCALHOST:80/cb',
    'http://127.0.0.2:80/cb',
    'http://127.0.0.1.evil.com/cb',
    'http://127.0.0.1@evil.com/cb',
    'http://127.0.0.1:80@evil.com/cb',
    'https://127.0.0.1:80/cb',
    'http://127.0.0.1:/cb',
    'http://127.0.0.1:+80/cb',
  ]) {
    assert.equal(redirectUriMatches('http://127.0.0.1/cb', bad), false, bad)
  }
  assert.equal(redirectUriMatches('https://127.0.0.1/cb', 'https://127.0.0.1:9/cb'), false, 'https loopback URIs are exact')
  assert.equal(anyRedirectUriMatches(['https://a.example/cb', 'http://[::1]/cb'], 'http://[::1]:7/cb'), true)
  assert.equal(anyRedirectUriMatches([], 'https://a.example/cb'), false)
})

test('registration: https, http on loopback, private-use schemes with a dot; never fragments, wildcards, user info or active schemes', () => {
  for (const ok of [
    'https://app.example.com/cb',
    'https://app.example.com/cb?tenant=1',
    'https://app.example.com',
    'http://127.0.0.1/cb',
    'http://127.0.0.1:8080/cb',
    'http://[::1]/cb',
    'http://localhost:3000/api/auth/callback/gatehouse',
    'com.example.app:/oauth2redirect',
    'com.example.app://callback',
  ]) {
    assert.equal(redirectUriProblem(ok), null, ok)
  }
  const refused: [string, RegExp][] = [
    ['https://app.example.com/cb#x', /fragment/],
    ['https://app.example.com/cb#', /fragment/],
    ['https://*.example.com/cb', /wildcard/],
    ['https://app.example.com/*', /wildcard/],
    ['http://app.example.com/cb', /loopback/],
    ['http://127.0.0.2/cb', /loopback/],
    ['http://127.0.0.1.nip.io/cb', /loopback/],
    ['https://user:pw@app.example.com/cb', /user information/],
    ['https://user@app.example.com/cb', /user information/],
    ['javascript:alert(1)', /private-use/],
    ['data:text/html,hi', /private-use/],
    ['file:///etc/passwd', /private-use/],
    ['myapp://callback', /private-use/],
    ['/relative/cb', /absolute/],
    ['app.example.com/cb', /absolute/],
    ['HTTPS://app.example.com/cb', /absolute/],
    ['https://App.Example.com/cb', /normal form/],
    ['https://app.example.com:443/cb', /normal form/],
    ['https://app.example.com/a/../cb', /normal form/],
    ['https://app.example.com/a b', /ASCII/],
    ['https://app.example.com/é', /ASCII/],
    ['https://app.example.com/\u0000', /ASCII/],
    ['', /characters/],
    [`https://app.example.com/${'a'.repeat(2000)}`, /characters/],
  ]
  for (const [uri, why] of refused) assert.match(redirectUriProblem(uri) ?? 'accepted', why, uri)
})
