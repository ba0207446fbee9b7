// The OpenID Foundation Basic OP modules that docs/oidc-conformance.md listed as gaps: parameters an
// OP must ignore, id_token_hint at /authorize, scope order, POST /authorize, POST /userinfo, a replay
// after 30 s, and request objects refused without a redirect to an unregistered URI.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildTestApp, testClock } from '../helpers/build-app.js'
import { bearer, decodeJwt, FORM, me } from '../helpers/fixtures.js'
import { authorizeCode, authorizeUrl, consentFields, exchange, pkce, redirectParams, registerClient, signedInBrowser } from '../helpers/oidc.js'

test('parameters an OP must ignore (display, ui_locales, claims_locales, acr_values, claims, unknown ones) change nothing, alone or together', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const client = await registerClient(app, deps, { first_party: true })
  const { page } = await signedInBrowser(app)
  const ignored: Record<string, string> = {
    display: 'page',
    ui_locales: 'se',
    claims_locales: 'se',
    acr_values: '1 2',
    claims: '{"userinfo":{"name":{"essential":true}}}',
    extra: 'foobar',
  }
  for (const params of [...Object.entries(ignored).map(([k, v]) => ({ [k]: v })), { display: 'popup' }, ignored]) {
    const code = await authorizeCode(page, client, params)
    const res = await exchange(app, client, code)
    assert.equal(res.statusCode, 200, JSON.stringify(params))
    assert.ok(res.json().id_token, JSON.stringify(params))
  }
})

test('id_token_hint with prompt=none: a code at once, for the same person and sign-in; scope order does not matter', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const client = await registerClient(app, deps)
  const { page } = await signedInBrowser(app, 'alice', 'correct horse battery', 'alice@example.com')
  const first = (await exchange(app, client, await authorizeCode(page, client))).json()
  const again = await authorizeCode(page, client, { prompt: 'none', id_token_hint: first.id_token })
  const second = (await exchange(app, client, again)).json()
  assert.equal(decodeJwt(second.id_token).payload.sub, decodeJwt(first.id_token).payload.sub)
  assert.equal(decodeJwt(second.id_token).payload.auth_time, decodeJwt(first.id_token).payload.auth_time)

  const reordered = (await exchange(app, client, await authorizeCode(page, client, { scope: 'email openid' }))).json()
  assert.ok(reordered.id_token)
  const info = await app.inject({ method: 'GET', url: '/userinfo', headers: bearer(reordered.access_token) })
  assert.equal(info.json().email, 'alice@example.com')
})

test('POST /authorize works as GET does; POST /userinfo with the header as GET, with the token in the body not at all', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const client = await registerClient(app, deps)
  const { page } = await signedInBrowser(app)
  const p = pkce()
  const query = new URL(authorizeUrl(client, { code_challenge: p.challenge }), 'http://x').searchParams
  const consent = await page.post('/authorize', Object.fromEntries(query))
  assert.equal(consent.statusCode, 200)
  const q = redirectParams(await page.post('/authorize/consent', { ...consentFields(consent.body), decision: 'allow' }))
  const tokens = (await exchange(app, client, { code: q.get('code')!, verifier: p.verifier })).json()
  const get = await app.inject({ method: 'GET', url: '/userinfo', headers: bearer(tokens.access_token) })
  const post = await app.inject({ method: 'POST', url: '/userinfo', headers: bearer(tokens.access_token) })
  assert.equal(post.statusCode, 200)
  assert.deepEqual(post.json(), get.json())
  // RFC 6750 §2.2 (form-encoded body) is not supported, as everywhere in Gatehouse (§2.3, RFC 9700 §4.3.2).
  const body = await app.inject({ method: 'POST', url: '/userinfo', headers: FORM, payload: `access_token=${tokens.access_token}` })
  assert.equal(body.statusCode, 401)
  assert.equal(body.json().detail, 'Not authenticated')
})

test('a code replayed 30 s later is refused and ends the session; auth_time moves on after prompt=login', async (t) => {
  const clock = testClock()
  const { app, deps } = await buildTestApp(t, {}, { clock })
  const client = await registerClient(app, deps)
  const { page } = await signedInBrowser(app)
  const code = await authorizeCode(page, client)
  const first = (await exchange(app, client, code)).json()
  clock.advance(30)
  assert.equal((await exchange(app, client, code)).json().error, 'invalid_grant')
  assert.equal((await me(app, first.access_token)).statusCode, 401)

  clock.advance(30)
  const fresh = await page.get(authorizeUrl(client, { code_challenge: pkce().challenge, prompt: 'login' }))
  const login = new URL(String(fresh.headers.location), 'http://x')
  await page.get(`${login.pathname}${login.search}`)
  const back = await page.post('/account/login', { username: 'alice', password: 'correct horse battery', return_to: login.searchParams.get('return_to')! })
  assert.ok(redirectParams(await page.follow(back)).get('code'), 'a code after the fresh sign-in')
  const done = await authorizeCode(page, client)
  const third = (await exchange(app, client, done)).json()
  assert.ok((decodeJwt(third.id_token).payload.auth_time as number) >= (decodeJwt(first.id_token).payload.auth_time as number) + 60, 'a later auth_time')
})

test('request and request_uri are refused on the redirect; with an unregistered redirect_uri, a 400 page and no redirect; discovery says so', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const client = await registerClient(app, deps)
  const { page } = await signedInBrowser(app)
  const p = pkce()
  assert.equal(
    redirectParams(await page.get(authorizeUrl(client, { code_challenge: p.challenge, request_uri: 'https://rp.example/r' }))).get('error'),
    'request_uri_not_supported',
  )
  const bad = await page.get(
    authorizeUrl(client, { code_challenge: p.challenge, request: 'eyJhbGciOiJub25lIn0.e30.', redirect_uri: 'https://evil.example/cb' }),
  )
  assert.equal(bad.statusCode, 400)
  assert.equal(bad.headers.location, undefined)
  const d = (await app.inject({ method: 'GET', url: '/.well-known/openid-configuration' })).json()
  assert.equal(d.request_parameter_supported, false)
  assert.equal(d.request_uri_parameter_supported, false)
  assert.equal(d.claims_parameter_supported, false)
})
