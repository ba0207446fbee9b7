// POST /token with grant_type=authorization_code (RFC 6749 §4.1.3, RFC 7636 §4.6, OpenID Connect Core
// §3.1.3): one code, one exchange, by its own client, with its verifier and redirect URI; the ID
// token's claims; refresh bound to the client; /userinfo.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createLocalJWKSet, jwtVerify } from 'jose'
import { buildTestApp, testClock } from '../helpers/build-app.js'
import { bearer, decodeJwt, login, me } from '../helpers/fixtures.js'
import { authorizeCode, exchange, ISSUER, pkce, REDIRECT, registerClient, signedInBrowser, tokenRequest } from '../helpers/oidc.js'

test('code exchange: access, ID and refresh tokens; the ID token verifies against JWKS with RS256 and carries the contract claims', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const client = await registerClient(app, deps)
  const { page, user } = await signedInBrowser(app, 'alice', 'correct horse battery', 'alice@example.com')
  const code = await authorizeCode(page, client)
  const res = await exchange(app, client, code)
  assert.equal(res.statusCode, 200, res.body)
  assert.equal(res.headers['cache-control'], 'no-store')
  const tokens = res.json()
  assert.equal(tokens.token_type, 'bearer')
  assert.equal(tokens.scope, 'openid profile email offline_access')
  assert.ok(tokens.refresh_token, 'offline_access and the refresh_token grant')

  const jwks = createLocalJWKSet((await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json())
  const { payload, protectedHeader } = await jwtVerify(tokens.id_token, jwks, { issuer: ISSUER, audience: client.client_id, algorithms: ['RS256'] })
  assert.equal(protectedHeader.typ, 'JWT')
  assert.equal(payload.sub, user.id)
  assert.equal(payload.nonce, 'n-456')
  assert.equal(payload.azp, client.client_id)
  assert.deepEqual(payload.amr, ['pwd'])
  assert.equal(typeof payload.auth_time, 'number')
  assert.equal(typeof payload.sid, 'string')
  assert.equal(payload.preferred_username, 'alice')
  assert.equal(payload.email, 'alice@example.com')
  assert.equal(payload.email_verified, false)

  const access = decodeJwt(tokens.access_token).payload
  assert.equal(access.client_id, client.client_id)
  assert.equal(access.sub, user.id)
  assert.equal((await me(app, tokens.access_token)).statusCode, 200, 'opens /users/me like any user token')
  const own = await login(app, 'alice', 'correct horse battery')
  const sessions = (await app.inject({ method: 'GET', url: '/users/me/sessions', headers: bearer(own.access_token) })).json()
  assert.ok(
    sessions.some((s: { client_id?: string }) => s.client_id === client.client_id),
    'the session names its client',
  )

  const info = await app.inject({ method: 'GET', url: '/userinfo', headers: bearer(tokens.access_token) })
  assert.equal(info.statusCode, 200)
  assert.deepEqual(info.json(), { sub: user.id, preferred_username: 'alice', email: 'alice@example.com', email_verified: false })
  // The ID token is not an access token.
  assert.equal((await me(app, tokens.id_token)).statusCode, 401)
  assert.equal((await app.inject({ method: 'GET', url: '/userinfo', headers: bearer(tokens.id_token) })).statusCode, 401)
})

test('code exchange: scopes decide the claims and tokens: no openid, no ID token; no offline_access, no refresh token; /userinfo needs openid', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const client = await registerClient(app, deps, { first_party: true })
  const { page } = await signedInBrowser(app)
  const plain = (await exchange(app, client, await authorizeCode(page, client, { scope: 'user', nonce: undefined }))).json()
  assert.equal(plain.id_token, undefined)
  assert.equal(plain.refresh_token, undefined)
  const denied = await app.inject({ method: 'GET', url: '/userinfo', headers: bearer(plain.access_token) })
  assert.equal(denied.statusCode, 403)
  assert.equal(denied.json().error, 'insufficient_scope')
  const profileOnly = (await exchange(app, client, await authorizeCode(page, client, { scope: 'openid' }))).json()
  assert.ok(profileOnly.id_token)
  assert.equal(decodeJwt(profileOnly.id_token).payload.preferred_username, undefined, 'no profile scope, no username')
})

test('code exchange: a replayed code is refused and ends the session it opened (RFC 6749 §4.1.2)', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const client = await registerClient(app, deps)
  const { page } = await signedInBrowser(app)
  const code = await authorizeCode(page, client)
  const first = (await exchange(app, client, code)).json()
  assert.equal((await me(app, first.access_token)).statusCode, 200, 'control')
  const replay = await exchange(app, client, code)
  assert.equal(replay.statusCode, 400)
  assert.equal(replay.json().error, 'invalid_grant')
  assert.equal((await me(app, first.access_token)).statusCode, 401, 'the tokens issued from it are revoked')
  const refresh = await tokenRequest(app, client, { grant_type: 'refresh_token', refresh_token: first.refresh_token })
  assert.equal(refresh.json().error, 'invalid_grant')
})

test("code exchange: another client, another redirect_uri, a wrong or missing verifier, or an expired code: invalid_grant, and the code stays its client's", async (t) => {
  const clock = testClock()
  const { app, deps } = await buildTestApp(t, {}, { clock })
  const client = await registerClient(app, deps)
  const thief = await registerClient(app, deps)
  const publicClient = await registerClient(app, deps, { confidential: false })
  const { page } = await signedInBrowser(app)
  const code = await authorizeCode(page, client)
  const fields = { grant_type: 'authorization_code', code: code.code, redirect_uri: REDIRECT, code_verifier: code.verifier }
  for (const [why, res] of [
    ['a code stolen by another client', await tokenRequest(app, thief, fields)],
    ['stolen by a public client', await tokenRequest(app, publicClient, fields)],
    ['another redirect_uri', await tokenRequest(app, client, { ...fields, redirect_uri: `${REDIRECT}/other` })],
    ['a wrong verifier', await tokenRequest(app, client, { ...fields, code_verifier: pkce().verifier })],
    ['no verifier (PKCE downgrade)', await tokenRequest(app, client, { grant_type: 'authorization_code', code: code.code, redirect_uri: REDIRECT })],
    ['the challenge as verifier', await tokenRequest(app, client, { ...fields, code_verifier: 'x'.repeat(43) })],
    ['a made-up code', await tokenRequest(app, client, { ...fields, code: 'A'.repeat(43) })],
  ] as const) {
    assert.equal(res.statusCode, 400, `${why}: ${res.body}`)
    assert.equal(res.json().error, 'invalid_grant', why)
  }
  const wrongSecret = await tokenRequest(app, { ...client, client_secret: 'wrong' }, fields)
  assert.equal(wrongSecret.statusCode, 401)
  assert.equal(wrongSecret.json().error, 'invalid_client')
  assert.match(String(wrongSecret.headers['www-authenticate']), /^Basic/)
  assert.equal(
    (await tokenRequest(app, { ...client, client_secret: undefined }, fields)).json().error,
    'invalid_client',
    'a confidential client must authenticate',
  )
  // None of that spent it: the right request still works.
  assert.equal((await exchange(app, client, code)).statusCode, 200)

  const late = await authorizeCode(page, client)
  clock.advance(61)
  const expired = await exchange(app, client, late)
  assert.equal(expired.json().error, 'invalid_grant', 'a code lives 60 s')
})

test('code exchange: a code from a browser that has signed out since gets nothing; client_secret_post works like Basic', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const client = await registerClient(app, deps)
  const { page } = await signedInBrowser(app)
  const code = await authorizeCode(page, client)
  await page.get('/account')
  await page.post('/account/logout', {})
  assert.equal((await exchange(app, client, code)).json().error, 'invalid_grant')
  const { page: again } = await signedInBrowser(app, 'bob')
  const viaPost = await tokenRequest(
    app,
    client,
    {
      grant_type: 'authorization_code',
      ...(await authorizeCode(again, client).then((c) => ({ code: c.code, code_verifier: c.verifier }))),
      redirect_uri: REDIRECT,
    },
    'post',
  )
  assert.equal(viaPost.statusCode, 200, viaPost.body)
})

test('refresh tokens are bound to their client: rotation works for it, another client or none gets invalid_grant (and the token stays usable)', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const client = await registerClient(app, deps)
  const other = await registerClient(app, deps)
  const { page } = await signedInBrowser(app)
  const tokens = (await exchange(app, client, await authorizeCode(page, client))).json()
  const refresh = { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }
  const byOther = await tokenRequest(app, other, refresh)
  assert.equal(byOther.json().error, 'invalid_grant')
  const byNone = await app.inject({
    method: 'POST',
    url: '/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(refresh).toString(),
  })
  assert.equal(byNone.json().error, 'invalid_grant')
  const rotated = await tokenRequest(app, client, refresh)
  assert.equal(rotated.statusCode, 200, rotated.body)
  const next = rotated.json()
  assert.notEqual(next.refresh_token, tokens.refresh_token)
  assert.equal(next.scope, 'openid profile email offline_access', 'the OpenID scopes survive a refresh')
  assert.equal(decodeJwt(next.access_token).payload.client_id, client.client_id)
  assert.equal((await app.inject({ method: 'GET', url: '/userinfo', headers: bearer(next.access_token) })).statusCode, 200)
})
