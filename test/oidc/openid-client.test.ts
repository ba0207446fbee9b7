// A relying party no one here wrote: openid-client (panva), over a real socket, from discovery alone:
// the code flow with PKCE, state and nonce through the sign-in and consent pages (form posts with a
// cookie jar), ID token validation, userinfo, refresh, client_credentials, introspection,
// revocation and RP-initiated logout.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import * as oidc from 'openid-client'
import { registerClient } from '../helpers/oidc.js'
import { FetchBrowser, servedApp, signInAndAllow } from '../helpers/served.js'
import { registerUser } from '../helpers/fixtures.js'

const CALLBACK = 'https://rp.example.com/callback'
const AFTER = 'https://rp.example.com/bye'

const person = signInAndAllow

test('openid-client: discovery, code flow with PKCE and nonce through the pages, ID token, userinfo, refresh, introspection, revocation, logout', async (t) => {
  const { app, deps, base } = await servedApp(t)
  const rp = await registerClient(app, deps, { name: 'Relying Party', redirect_uris: [CALLBACK], post_logout_redirect_uris: [AFTER] })
  const user = await registerUser(app, { username: 'carol', password: 'carol has a long passphrase', email: 'carol@example.com' })
  const config = await oidc.discovery(new URL(base), rp.client_id, rp.client_secret, undefined, { execute: [oidc.allowInsecureRequests] })
  assert.equal(config.serverMetadata().issuer, base)

  const verifier = oidc.randomPKCECodeVerifier()
  const state = oidc.randomState()
  const nonce = oidc.randomNonce()
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: CALLBACK,
    scope: 'openid profile email offline_access',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  })
  const browser = new FetchBrowser(base)
  const callback = await browser.followUntil(await browser.request(url.toString()), CALLBACK, person(browser, 'carol', 'carol has a long passphrase'))

  const tokens = await oidc.authorizationCodeGrant(config, new URL(callback), {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  })
  const claims = tokens.claims()!
  assert.equal(claims.sub, user.id)
  assert.equal(claims.iss, base)
  assert.equal(claims.aud, rp.client_id)
  assert.equal(claims.preferred_username, 'carol')
  assert.equal(claims.email, 'carol@example.com')
  assert.ok(tokens.refresh_token)

  const info = await oidc.fetchUserInfo(config, tokens.access_token, user.id)
  assert.equal(info.sub, user.id)
  assert.equal(info.preferred_username, 'carol')

  const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!)
  assert.ok(refreshed.access_token)
  assert.notEqual(refreshed.refresh_token, tokens.refresh_token)

  const seen = await oidc.tokenIntrospection(config, refreshed.access_token)
  assert.equal(seen.active, true)
  assert.equal(seen.sub, user.id)
  assert.equal(seen.client_id, rp.client_id)

  await oidc.tokenRevocation(config, refreshed.refresh_token!)
  assert.equal((await oidc.tokenIntrospection(config, refreshed.access_token)).active, false, 'revoked: the session ended')
  await assert.rejects(oidc.refreshTokenGrant(config, refreshed.refresh_token!), (err: Error & { error?: string }) => err.error === 'invalid_grant')

  // RP-initiated logout with the ID token as hint: signed out at once, back with state.
  const logout = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: AFTER, state: 'bye' })
  const out = await browser.request(logout.toString())
  assert.equal(out.status, 303)
  assert.equal(out.headers.get('location'), `${AFTER}?state=bye`)
  assert.equal((await browser.request('/account')).status, 303, 'the browser is signed out')
})

test('openid-client: client_credentials for a service, and a public client (no secret) with PKCE', async (t) => {
  const { app, deps, base } = await servedApp(t, { ROLE_SCOPES: 'user=user;admin=user admin;service=reports:read' })
  const service = await registerClient(app, deps, { name: 'Worker', grant_types: ['client_credentials'], scopes: ['reports:read'], redirect_uris: [CALLBACK] })
  const svc = await oidc.discovery(new URL(base), service.client_id, service.client_secret, undefined, { execute: [oidc.allowInsecureRequests] })
  const cc = await oidc.clientCredentialsGrant(svc, { scope: 'reports:read' })
  assert.equal(cc.scope, 'reports:read')
  assert.equal(cc.refresh_token, undefined)
  assert.equal((await oidc.tokenIntrospection(svc, cc.access_token)).active, true)

  const spa = await registerClient(app, deps, { name: 'SPA', confidential: false, first_party: true, redirect_uris: [CALLBACK] })
  await registerUser(app, { username: 'dave', password: 'dave has a long passphrase' })
  const pub = await oidc.discovery(new URL(base), spa.client_id, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] })
  const verifier = oidc.randomPKCECodeVerifier()
  const url = oidc.buildAuthorizationUrl(pub, {
    redirect_uri: CALLBACK,
    scope: 'openid',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state: 'public-state',
  })
  const browser = new FetchBrowser(base)
  const callback = await browser.followUntil(await browser.request(url.toString()), CALLBACK, person(browser, 'dave', 'dave has a long passphrase'))
  const tokens = await oidc.authorizationCodeGrant(pub, new URL(callback), { pkceCodeVerifier: verifier, expectedState: 'public-state' })
  assert.ok(tokens.id_token)
  assert.equal(tokens.refresh_token, undefined, 'no offline_access asked for')
})
