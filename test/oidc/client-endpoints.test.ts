// client_credentials (RFC 6749 §4.4), introspection (RFC 7662), revocation by a client (RFC 7009 §2.1),
// the person's grants, and discovery.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildTestApp } from '../helpers/build-app.js'
import { bearer, FORM, login, me, registerUser } from '../helpers/fixtures.js'
import { authorizeCode, authorizeUrl, exchange, ISSUER, pkce, registerClient, signedInBrowser, tokenRequest, type TestClient } from '../helpers/oidc.js'

const introspect = (app: import('fastify').FastifyInstance, client: TestClient, token: string, hint?: string) =>
  tokenRequestAt(app, '/introspect', client, { token, ...(hint ? { token_type_hint: hint } : {}) })

function tokenRequestAt(app: import('fastify').FastifyInstance, url: string, client: TestClient, fields: Record<string, string>) {
  const headers: Record<string, string> = { ...FORM }
  if (client.client_secret) headers.authorization = `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`
  const body = new URLSearchParams(fields)
  if (!client.client_secret) body.set('client_id', client.client_id)
  return app.inject({ method: 'POST', url, headers, payload: body.toString() })
}

test('client_credentials: a token for the client itself (sub = client_id), no refresh or ID token; person scopes and unauthorised clients refused', async (t) => {
  const { app, deps } = await buildTestApp(t, { ROLE_SCOPES: 'user=user;admin=user admin;service=reports:read' })
  const service = await registerClient(app, deps, { grant_types: ['client_credentials'], scopes: ['reports:read', 'user', 'openid'] })
  const res = await tokenRequest(app, service, { grant_type: 'client_credentials' })
  assert.equal(res.statusCode, 200, res.body)
  const body = res.json()
  assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'scope', 'token_type'])
  assert.equal(body.scope, 'reports:read', "by default the client's own scopes, not the person ones (user, openid)")
  const claims = JSON.parse(Buffer.from(body.access_token.split('.')[1], 'base64url').toString())
  assert.equal(claims.sub, service.client_id)
  assert.equal(claims.client_id, service.client_id)
  assert.equal(claims.sid, undefined)
  assert.equal((await me(app, body.access_token)).statusCode, 401, 'no person behind it: no user route opens')
  assert.equal((await tokenRequest(app, service, { grant_type: 'client_credentials', scope: 'openid' })).json().error, 'invalid_scope')
  assert.equal((await tokenRequest(app, service, { grant_type: 'client_credentials', scope: 'user' })).json().error, 'invalid_scope')
  assert.equal((await tokenRequest(app, service, { grant_type: 'client_credentials', scope: 'admin' })).json().error, 'invalid_scope')
  assert.equal((await tokenRequest(app, { ...service, client_secret: 'nope' }, { grant_type: 'client_credentials' })).statusCode, 401)

  const webApp = await registerClient(app, deps)
  assert.equal((await tokenRequest(app, webApp, { grant_type: 'client_credentials' })).json().error, 'unauthorized_client', 'not allowed that grant')
  const spa = await registerClient(app, deps, { confidential: false })
  assert.equal((await tokenRequest(app, spa, { grant_type: 'client_credentials' })).json().error, 'invalid_client', 'a public client has no secret')

  // Introspected by another confidential client: active while its client may still use the grant.
  const rs = await registerClient(app, deps, { grant_types: ['client_credentials'] })
  const active = (await introspect(app, rs, body.access_token)).json()
  assert.equal(active.active, true)
  assert.equal(active.sub, service.client_id)
  assert.equal(active.client_id, service.client_id)
})

test('introspection: any access token to any confidential client; a refresh token only to its own client; ended, foreign or unknown: active false', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const appA = await registerClient(app, deps)
  const resourceServer = await registerClient(app, deps)
  const spa = await registerClient(app, deps, { confidential: false })
  const { page, user } = await signedInBrowser(app)
  const tokens = (await exchange(app, appA, await authorizeCode(page, appA))).json()

  const seen = (await introspect(app, resourceServer, tokens.access_token)).json()
  assert.equal(seen.active, true)
  assert.equal(seen.sub, user.id)
  assert.equal(seen.client_id, appA.client_id)
  assert.equal(seen.iss, ISSUER)
  assert.equal(seen.username, 'alice')
  assert.equal(seen.scope, 'openid profile email offline_access')
  assert.equal(typeof seen.exp, 'number')
  assert.equal(typeof seen.iat, 'number')
  assert.equal(seen.token_type, 'Bearer')

  assert.deepEqual((await introspect(app, resourceServer, tokens.refresh_token)).json(), { active: false }, "another client's refresh token")
  const own = (await introspect(app, appA, tokens.refresh_token, 'refresh_token')).json()
  assert.equal(own.active, true)
  assert.equal(own.token_type, 'refresh_token')
  assert.deepEqual((await introspect(app, resourceServer, 'not-a-token')).json(), { active: false })
  const passwordGrant = await login(app, 'alice', 'correct horse battery')
  assert.equal((await introspect(app, resourceServer, passwordGrant.access_token)).json().active, true, "the token API's tokens too")

  // Public clients cannot introspect; a wrong secret is invalid_client.
  const byPublic = await introspect(app, spa, tokens.access_token)
  assert.equal(byPublic.statusCode, 401)
  assert.equal(byPublic.json().error, 'invalid_client')
  assert.equal((await introspect(app, { ...resourceServer, client_secret: 'wrong' }, tokens.access_token)).statusCode, 401)

  // Ended: revoked by its own client.
  await tokenRequestAt(app, '/revoke', appA, { token: tokens.refresh_token })
  assert.deepEqual((await introspect(app, resourceServer, tokens.access_token)).json(), { active: false })
})

test('revocation by a client: only its own tokens; another client (or a request naming none) changes nothing', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const appA = await registerClient(app, deps)
  const appB = await registerClient(app, deps)
  const { page } = await signedInBrowser(app)
  const tokens = (await exchange(app, appA, await authorizeCode(page, appA))).json()
  const byB = await tokenRequestAt(app, '/revoke', appB, { token: tokens.refresh_token })
  assert.equal(byB.statusCode, 200, 'the same answer (RFC 7009 §2.2)')
  const anonymous = await app.inject({ method: 'POST', url: '/revoke', headers: FORM, payload: new URLSearchParams({ token: tokens.access_token }).toString() })
  assert.equal(anonymous.statusCode, 200)
  assert.equal((await me(app, tokens.access_token)).statusCode, 200, 'still signed in')
  assert.equal((await tokenRequestAt(app, '/revoke', { ...appA, client_secret: 'wrong' }, { token: tokens.refresh_token })).statusCode, 401)
  await tokenRequestAt(app, '/revoke', appA, { token: tokens.refresh_token })
  assert.equal((await me(app, tokens.access_token)).statusCode, 401, 'its own client revoked it')
  // The token API's own tokens are revoked as before, by a request naming no client.
  await registerUser(app, { username: 'bob' })
  const bob = await login(app, 'bob')
  await app.inject({ method: 'POST', url: '/revoke', headers: FORM, payload: new URLSearchParams({ token: bob.refresh_token }).toString() })
  assert.equal((await me(app, bob.access_token)).statusCode, 401)
})

test("grants: GET /users/me/grants lists consents; DELETE ends that client's sessions and consent is asked again; /account/apps shows and removes them", async (t) => {
  const { app, deps } = await buildTestApp(t)
  const client = await registerClient(app, deps, { name: 'Calendar' })
  const { page } = await signedInBrowser(app)
  const tokens = (await exchange(app, client, await authorizeCode(page, client))).json()
  const api = await login(app, 'alice', 'correct horse battery')
  const list = (await app.inject({ method: 'GET', url: '/users/me/grants', headers: bearer(api.access_token) })).json()
  assert.equal(list.grants.length, 1)
  assert.equal(list.grants[0].client_id, client.client_id)
  assert.equal(list.grants[0].name, 'Calendar')
  assert.deepEqual(list.grants[0].scopes, ['openid', 'profile', 'email', 'offline_access'])
  assert.match(list.grants[0].granted_at, /^\d{4}-\d\d-\d\dT/)
  const apps = await page.get('/account/apps')
  assert.match(apps.body, /Calendar/)

  const missing = await app.inject({ method: 'DELETE', url: '/users/me/grants/no-such-client', headers: bearer(api.access_token) })
  assert.equal(missing.statusCode, 404)
  const del = await app.inject({ method: 'DELETE', url: `/users/me/grants/${client.client_id}`, headers: bearer(api.access_token) })
  assert.equal(del.statusCode, 204)
  assert.equal((await me(app, tokens.access_token)).statusCode, 401, "the client's session ended")
  assert.equal((await me(app, api.access_token)).statusCode, 200, 'other sessions stay')
  const again = await page.get(authorizeUrl(client, { code_challenge: pkce().challenge }))
  assert.equal(again.statusCode, 200, 'asked again')
  assert.match(again.body, /value="allow"/)

  // The page's own remove button.
  await authorizeCode(page, client)
  await page.get('/account/apps')
  const removed = await page.post('/account/apps/revoke', { client_id: client.client_id })
  assert.equal(removed.statusCode, 200)
  assert.match(removed.body, /No applications yet/)
})

test('discovery: /.well-known/openid-configuration and the RFC 8414 document carry every member the contract lists', async (t) => {
  const { app } = await buildTestApp(t)
  for (const url of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
    const d = (await app.inject({ method: 'GET', url })).json()
    assert.equal(d.issuer, ISSUER)
    for (const [k, path] of Object.entries({
      authorization_endpoint: '/authorize',
      token_endpoint: '/token',
      userinfo_endpoint: '/userinfo',
      jwks_uri: '/.well-known/jwks.json',
      end_session_endpoint: '/end-session',
      revocation_endpoint: '/revoke',
      introspection_endpoint: '/introspect',
    })) {
      assert.equal(d[k], `${ISSUER}${path}`, k)
    }
    assert.deepEqual(d.response_types_supported, ['code'])
    assert.deepEqual(d.response_modes_supported, ['query'])
    assert.deepEqual(d.subject_types_supported, ['public'])
    assert.deepEqual(d.code_challenge_methods_supported, ['S256'])
    assert.deepEqual(d.token_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post', 'none'])
    assert.ok(d.id_token_signing_alg_values_supported.includes('RS256'))
    for (const g of ['authorization_code', 'refresh_token', 'client_credentials', 'password']) assert.ok(d.grant_types_supported.includes(g), g)
    for (const s of ['openid', 'profile', 'email', 'offline_access']) assert.ok(d.scopes_supported.includes(s), s)
    for (const c of ['sub', 'email', 'preferred_username', 'auth_time', 'nonce']) assert.ok(d.claims_supported.includes(c), c)
    assert.equal(d.authorization_response_iss_parameter_supported, true)
  }
})
