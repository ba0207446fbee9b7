// What a hostile or careless relying party must not be able to do (the review of the OpenID
// Connect provider): each with its control first.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildTestApp } from '../helpers/build-app.js'
import { auditTypes, bearer, adminLogin, me } from '../helpers/fixtures.js'
import { authorizeCode, authorizeUrl, exchange, pkce, redirectParams, registerClient, signedInBrowser, tokenRequest } from '../helpers/oidc.js'
import { PageClient } from '../helpers/page-client.js'
import { hashAuthorizationCode } from '../../src/oidc/codes.js'

test("a third-party app's token cannot manage the account (add a passkey, read or end sessions, revoke apps) unless the person allowed scope user", async (t) => {
  const { app, deps } = await buildTestApp(t, { WEBAUTHN_RP_ID: 'localhost', WEBAUTHN_ORIGINS: 'http://localhost:8000' })
  const client = await registerClient(app, deps, { name: 'Quiz' })
  const { page } = await signedInBrowser(app)
  const identityOnly = (await exchange(app, client, await authorizeCode(page, client, { scope: 'openid' }))).json()
  assert.equal((await me(app, identityOnly.access_token)).statusCode, 200, 'control: it reads /users/me, as the contract says')
  for (const [method, url, payload] of [
    ['POST', '/users/me/passkeys/options', {}],
    ['GET', '/users/me/sessions', undefined],
    ['GET', '/users/me/grants', undefined],
    ['DELETE', `/users/me/grants/${client.client_id}`, undefined],
    ['POST', '/users/me/mfa/totp', { password: 'correct horse battery' }],
    ['PATCH', '/users/me', { email: null, current_password: 'correct horse battery' }],
    ['POST', '/users/me/password', { current_password: 'correct horse battery', new_password: 'another long passphrase' }],
  ] as const) {
    const res = await app.inject({ method, url, headers: bearer(identityOnly.access_token), ...(payload ? { payload } : {}) })
    assert.equal(res.statusCode, 403, `${method} ${url}: ${res.body}`)
    assert.equal(res.json().error, 'insufficient_scope', `${method} ${url}`)
  }
  // With scope user (the consent page says what it means), the account routes open; adding a
  // passkey still needs the password: a client's session is never a "fresh sign-in" for that.
  const consent = await page.get(authorizeUrl(client, { code_challenge: pkce().challenge, scope: 'openid user' }))
  assert.match(consent.body, /Manage your Gatehouse account/)
  const manager = (await exchange(app, client, await authorizeCode(page, client, { scope: 'openid user' }))).json()
  assert.equal((await app.inject({ method: 'GET', url: '/users/me/sessions', headers: bearer(manager.access_token) })).statusCode, 200)
  const options = await app.inject({ method: 'POST', url: '/users/me/passkeys/options', headers: bearer(manager.access_token), payload: {} })
  assert.equal(options.statusCode, 403)
  assert.match(options.body, /Confirm it is you/)
})

test('a spent code replayed again and again is refused each time, and audited once (when it ended the session)', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const client = await registerClient(app, deps)
  const { page } = await signedInBrowser(app)
  const code = await authorizeCode(page, client)
  assert.equal((await exchange(app, client, code)).statusCode, 200)
  for (let i = 0; i < 5; i++) assert.equal((await exchange(app, client, code)).json().error, 'invalid_grant')
  const admin = await adminLogin(app, deps)
  const types = await auditTypes(app, admin.access_token)
  assert.equal(types.filter((t) => t === 'code.replayed').length, 1)
})

test('codes per person are limited (RATE_LIMIT=on): a loop minting sessions gets temporarily_unavailable', async (t) => {
  const { app, deps } = await buildTestApp(t, { RATE_LIMIT: 'on' })
  const client = await registerClient(app, deps, { first_party: true })
  const { page } = await signedInBrowser(app)
  const challenge = pkce().challenge
  let refused = 0
  for (let i = 0; i < 32; i++) {
    const q = redirectParams(await page.get(authorizeUrl(client, { code_challenge: challenge })))
    if (q.get('error') === 'temporarily_unavailable') refused++
    else assert.ok(q.get('code'), 'control: the first 30 get codes')
  }
  assert.equal(refused, 2)
})

test("a confidential client's refreshes are not limited per address (its back end refreshes for everyone); the tutorial's still are", async (t) => {
  const { app, deps } = await buildTestApp(t, { RATE_LIMIT: 'on' })
  const client = await registerClient(app, deps, { first_party: true })
  const { page } = await signedInBrowser(app)
  let refresh = (await exchange(app, client, await authorizeCode(page, client))).json().refresh_token as string
  for (let i = 0; i < 65; i++) {
    const res = await tokenRequest(app, client, { grant_type: 'refresh_token', refresh_token: refresh })
    assert.equal(res.statusCode, 200, `refresh ${i}: ${res.body}`)
    refresh = res.json().refresh_token
  }
})

test('a public client on a loopback redirect URI never gets a code without the person (RFC 8252 §8.6), first-party or not', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const cli = await registerClient(app, deps, { confidential: false, first_party: true, redirect_uris: ['http://127.0.0.1/cb'] })
  const web = await registerClient(app, deps, { confidential: false, first_party: true, redirect_uris: ['https://spa.example.com/cb'] })
  const { page } = await signedInBrowser(app)
  const challenge = pkce().challenge
  const control = redirectParams(
    await page.get(authorizeUrl(web, { code_challenge: challenge, redirect_uri: 'https://spa.example.com/cb', prompt: 'none' })),
    'https://spa.example.com/cb',
  )
  assert.ok(control.get('code'), 'control: an https redirect URI proves the app')
  const silent = await page.get(authorizeUrl(cli, { code_challenge: challenge, redirect_uri: 'http://127.0.0.1:49152/cb', prompt: 'none' }))
  assert.equal(redirectParams(silent, 'http://127.0.0.1:49152/cb').get('error'), 'consent_required')
  const asked = await page.get(authorizeUrl(cli, { code_challenge: challenge, redirect_uri: 'http://127.0.0.1:49152/cb' }))
  assert.equal(asked.statusCode, 200)
  assert.match(asked.body, /value="allow"/)
})

test("end-session: an ID token from another of the person's sessions is no confirmation", async (t) => {
  const { app, deps } = await buildTestApp(t)
  const client = await registerClient(app, deps, { post_logout_redirect_uris: ['https://app.example.com/out'] })
  const { page } = await signedInBrowser(app)
  const old = (await exchange(app, client, await authorizeCode(page, client))).json().id_token as string
  await page.get('/account')
  await page.post('/account/logout', {})
  const again = new PageClient(app)
  await again.signIn('alice', 'correct horse battery')
  const res = await again.get(`/end-session?${new URLSearchParams({ id_token_hint: old, post_logout_redirect_uri: 'https://app.example.com/out' })}`)
  assert.equal(res.statusCode, 200, 'asked first')
  assert.match(res.body, /Sign out/)
  assert.equal((await again.get('/account')).statusCode, 200, 'still signed in')
})

test('a code whose browser session ends while it is being exchanged opens no session (checked inside the exchange)', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const client = await registerClient(app, deps)
  const { page } = await signedInBrowser(app)
  const code = await authorizeCode(page, client)
  const found = (await deps.store.findAuthorizationCode(hashAuthorizationCode(code.code)))!
  // The grant saw the browser session live; then the person signs out, before the redeem.
  assert.ok(await deps.store.endSession(found.browserSessionId, new Date()))
  const now = new Date()
  const session = {
    id: found.sessionId,
    userId: found.userId,
    scope: found.scope,
    refreshHash: 'x'.repeat(43),
    createdAt: now,
    expiresAt: new Date(now.getTime() + 60_000),
    idleExpiresAt: new Date(now.getTime() + 60_000),
    userAgent: null,
    ip: null,
    amr: found.amr,
    authTime: found.authTime,
    clientId: found.clientId,
  }
  assert.equal((await deps.store.redeemAuthorizationCode(hashAuthorizationCode(code.code), now, session)).status, 'invalid')
  assert.equal(await deps.store.findSessionWithUser(found.sessionId), null, 'no session created')
})
