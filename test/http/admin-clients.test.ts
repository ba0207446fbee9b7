import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { authenticateClient } from '../../src/oidc/client-auth.js'
import { buildTestApp } from '../helpers/build-app.js'
import { adminLogin, bearer, login, registerUser } from '../helpers/fixtures.js'
import { newSession } from '../store/contract/helpers.js'

const meta = { ip: '127.0.0.1', userAgent: null }

async function setup(t: import('node:test').TestContext) {
  const { app, deps } = await buildTestApp(t)
  const admin = await adminLogin(app, deps)
  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
    app.inject({ method, url, headers: bearer(admin.access_token), ...(payload === undefined ? {} : { payload: payload as object }) })
  return { app, deps, admin, call }
}

const auditOf = async (app: FastifyInstance, token: string) =>
  (await app.inject({ method: 'GET', url: '/admin/audit?limit=200', headers: bearer(token) })).json()

test('admin clients: register (secret shown once), list, read, update, rotate (the old secret stops working), delete; all audited', async (t) => {
  const { app, deps, admin, call } = await setup(t)
  const created = await call('POST', '/admin/clients', {
    name: 'Billing',
    redirect_uris: ['https://billing.example.com/cb', 'http://127.0.0.1/cb'],
    confidential: true,
    grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
  })
  assert.equal(created.statusCode, 201, created.body)
  assert.equal(created.headers['cache-control'], 'no-store')
  const c = created.json()
  assert.match(c.client_id, /^[0-9a-f]{32}$/)
  assert.ok(Buffer.from(c.client_secret, 'base64url').length >= 32, '256 bits')
  assert.deepEqual(c.scopes, ['openid', 'profile', 'email', 'offline_access', 'user'], 'the default scopes')
  assert.equal(c.first_party, false)
  assert.equal(c.token_endpoint_auth_method, 'client_secret_basic')
  assert.equal(c.id_token_signed_response_alg, 'RS256')
  assert.deepEqual(c.post_logout_redirect_uris, [])

  const spa = (await call('POST', '/admin/clients', { name: 'SPA', redirect_uris: ['https://spa.example.com/cb'], first_party: true })).json()
  assert.equal(spa.client_secret, undefined, 'a public client has no secret')
  assert.equal(spa.token_endpoint_auth_method, 'none')
  assert.deepEqual(spa.grant_types, ['authorization_code', 'refresh_token'])

  const list = await call('GET', '/admin/clients')
  assert.equal(list.statusCode, 200)
  assert.deepEqual(
    list.json().clients.map((x: { client_id: string }) => x.client_id),
    [c.client_id, spa.client_id],
  )
  const read = await call('GET', `/admin/clients/${c.client_id}`)
  assert.equal(read.statusCode, 200)
  const { client_secret: _, ...view } = c
  assert.deepEqual(read.json(), view)
  for (const body of [list.body, read.body]) {
    assert.ok(!body.includes(c.client_secret), 'the secret is never shown again')
    assert.ok(!body.includes('secret_hash') && !body.includes('secretHash'))
  }

  const patched = await call('PATCH', `/admin/clients/${c.client_id}`, { name: 'Billing 2', post_logout_redirect_uris: ['https://billing.example.com/bye'] })
  assert.equal(patched.statusCode, 200, patched.body)
  assert.equal(patched.json().name, 'Billing 2')
  assert.deepEqual(patched.json().post_logout_redirect_uris, ['https://billing.example.com/bye'])
  assert.deepEqual(patched.json().redirect_uris, c.redirect_uris, 'what the patch left out stays')
  assert.equal(patched.json().client_secret, undefined)

  assert.equal((await authenticateClient(deps, { clientId: c.client_id, secret: c.client_secret }, meta)).id, c.client_id)
  const rotated = await call('POST', `/admin/clients/${c.client_id}/secret`)
  assert.equal(rotated.statusCode, 200, rotated.body)
  const fresh = rotated.json().client_secret
  assert.ok(fresh && fresh !== c.client_secret)
  await assert.rejects(authenticateClient(deps, { clientId: c.client_id, secret: c.client_secret }, meta), { code: 'invalid_client' })
  assert.equal((await authenticateClient(deps, { clientId: c.client_id, secret: fresh }, meta)).id, c.client_id)
  assert.equal((await call('POST', `/admin/clients/${spa.client_id}/secret`)).statusCode, 400, 'a public client has no secret to rotate')

  // Sessions issued to the client end with it (the code grant will set client_id; here the store does).
  const alice = await registerUser(app)
  const s = await deps.store.createSession(
    newSession(alice.id, 'rh-1', {
      clientId: c.client_id,
      createdAt: new Date(),
      expiresAt: new Date(Date.now() + 3600_000),
      idleExpiresAt: new Date(Date.now() + 600_000),
    }),
  )
  const own = await login(app)
  const del = await call('DELETE', `/admin/clients/${c.client_id}`)
  assert.equal(del.statusCode, 204, del.body)
  assert.notEqual((await deps.store.findSessionWithUser(s.id))?.session.endedAt, null, "the client's session ended")
  assert.equal((await app.inject({ method: 'GET', url: '/users/me', headers: bearer(own.access_token) })).statusCode, 200, 'other sessions live on')
  assert.equal((await call('GET', `/admin/clients/${c.client_id}`)).statusCode, 404)
  assert.equal((await call('DELETE', `/admin/clients/${c.client_id}`)).statusCode, 404)
  await assert.rejects(authenticateClient(deps, { clientId: c.client_id, secret: fresh }, meta), { code: 'invalid_client' })

  const events = (await auditOf(app, admin.access_token)).events.reverse()
  const byType = (type: string) => events.filter((e: { type: string }) => e.type === type)
  assert.equal(byType('client.created').length, 2)
  const updated = byType('client.updated')[0].details
  assert.deepEqual(updated.changed, ['name', 'post_logout_redirect_uris'])
  assert.notDeepEqual(updated.before.name, updated.after.name, 'the audit row shows what changed, before and after')
  assert.ok(Array.isArray(updated.after.redirect_uris) && updated.after.redirect_uris.length > 0, 'and the redirect URIs it now has')
  assert.ok(Array.isArray(byType('client.created')[0].details.redirect_uris))
  assert.equal(byType('client.secret_rotated')[0].actor_id, admin.id)
  assert.deepEqual(byType('client.deleted')[0].details, { client_id: c.client_id, name: updated.after.name, sessions_ended: 1 })
  const all = JSON.stringify(events)
  assert.ok(!all.includes(c.client_secret) && !all.includes(fresh), 'no secret in the audit log')
})

test('admin clients: bad registrations and patches are 422 with every problem, and change nothing', async (t) => {
  const { call } = await setup(t)
  const bad = await call('POST', '/admin/clients', {
    name: ' ',
    redirect_uris: ['https://ok.example/cb', 'https://app.example/cb#frag', 'http://app.example/cb', 'https://*.example/cb', 'myapp://cb'],
    grant_types: ['client_credentials', 'implicit'],
    scopes: ['openid', 'root'],
    id_token_signed_response_alg: 'none',
  })
  assert.equal(bad.statusCode, 422, bad.body)
  const locs = bad.json().detail.map((p: { loc: (string | number)[] }) => p.loc.join('.'))
  for (const loc of [
    'body.name',
    'body.redirect_uris.1',
    'body.redirect_uris.2',
    'body.redirect_uris.3',
    'body.redirect_uris.4',
    'body.grant_types',
    'body.scopes',
    'body.id_token_signed_response_alg',
  ]) {
    assert.ok(locs.includes(loc), `${loc} in ${locs}`)
  }
  assert.ok(!locs.includes('body.redirect_uris.0'))
  const cc = await call('POST', '/admin/clients', { name: 'x', redirect_uris: [], grant_types: ['client_credentials'] })
  assert.equal(cc.statusCode, 422, 'client_credentials needs a confidential client')
  assert.match(cc.body, /confidential/)
  assert.equal((await call('POST', '/admin/clients', { name: 'x', redirect_uris: [] })).statusCode, 422, 'authorization_code needs a redirect URI')
  assert.equal((await call('POST', '/admin/clients', { name: 'x' })).statusCode, 422, 'redirect_uris is required')
  assert.equal((await call('POST', '/admin/clients', { name: 'x', redirect_uris: ['https://a.example/cb'], confidential: 'yes' })).statusCode, 422)
  assert.deepEqual((await call('GET', '/admin/clients')).json().clients, [], 'nothing was stored')

  const c = (await call('POST', '/admin/clients', { name: 'App', redirect_uris: ['https://a.example/cb'] })).json()
  const patches = [
    {},
    { redirect_uris: ['https://a.example/cb#x'] },
    { grant_types: ['client_credentials'] },
    { redirect_uris: [] },
    { name: '' },
    { name: 'Good App\u202Egnp.exe' }, // a right-to-left override: on a consent page it would read as another name
    { name: 'Bank\u200B' }, // zero-width space
    { confidential: true },
  ]
  for (const p of patches) assert.equal((await call('PATCH', `/admin/clients/${c.client_id}`, p)).statusCode, 422, JSON.stringify(p))
  const after = (await call('GET', `/admin/clients/${c.client_id}`)).json()
  assert.deepEqual(after, c, 'no refused patch changed anything')
  const eddsa = await call('PATCH', `/admin/clients/${c.client_id}`, { id_token_signed_response_alg: 'EdDSA' })
  assert.equal(eddsa.json().id_token_signed_response_alg, 'EdDSA', "the access tokens' algorithm (JWT_ALG) may sign ID tokens too")
  assert.equal((await call('PATCH', `/admin/clients/${c.client_id}`, { id_token_signed_response_alg: 'HS256' })).statusCode, 422)
  const reset = await call('PATCH', `/admin/clients/${c.client_id}`, { id_token_signed_response_alg: null })
  assert.equal(reset.json().id_token_signed_response_alg, 'RS256', 'null: back to the default')
  assert.equal((await call('PATCH', '/admin/clients/nope', { name: 'x' })).statusCode, 404)
  assert.equal((await call('POST', '/admin/clients/nope/secret')).statusCode, 404)
})

test('admin clients: 401 without a token, 403 for a user without the admin scope', async (t) => {
  const { app } = await setup(t)
  await registerUser(app)
  const user = await login(app)
  const body = { name: 'x', redirect_uris: ['https://a.example/cb'] }
  assert.equal((await app.inject({ method: 'GET', url: '/admin/clients' })).statusCode, 401)
  for (const [method, url] of [
    ['GET', '/admin/clients'],
    ['POST', '/admin/clients'],
    ['GET', '/admin/clients/x'],
    ['PATCH', '/admin/clients/x'],
    ['POST', '/admin/clients/x/secret'],
    ['DELETE', '/admin/clients/x'],
  ] as const) {
    const res = await app.inject({ method, url, headers: bearer(user.access_token), payload: method === 'POST' || method === 'PATCH' ? body : undefined })
    assert.equal(res.statusCode, 403, `${method} ${url}`)
    assert.equal(res.json().error, 'insufficient_scope')
  }
})
