import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { buildTestApp } from '../helpers/build-app.js'
import { adminLogin, auditTypes, bearer, FORM, form, login, me, PASSWORD, registerUser, refreshRequest } from '../helpers/fixtures.js'

const json = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, token: string, payload?: object) => ({
  method,
  url,
  headers: bearer(token),
  ...(payload ? { payload } : {}),
})

test('admin routes: 401 without a token, 403 insufficient_scope for a user token, 200 for an admin', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const admin = await adminLogin(app, deps)
  await registerUser(app)
  const user = await login(app)
  const none = await app.inject({ method: 'GET', url: '/admin/users' })
  assert.equal(none.statusCode, 401)
  assert.deepEqual(none.json(), { detail: 'Not authenticated' })
  for (const url of ['/admin/users', '/admin/keys', '/admin/audit', `/admin/users/${admin.id}`]) {
    const res = await app.inject(json('GET', url, user.access_token))
    assert.equal(res.statusCode, 403, url)
    assert.deepEqual(res.json(), { detail: 'Not enough permissions', error: 'insufficient_scope' })
    assert.equal(res.headers['www-authenticate'], 'Bearer error="insufficient_scope", scope="admin"')
  }
  // The guard runs before the body is read: no 422 leaks the schema to a non-admin.
  const bad = await app.inject(json('POST', '/admin/users', user.access_token, { nonsense: true }))
  assert.equal(bad.statusCode, 403)
  const ok = await app.inject(json('GET', '/admin/users', admin.access_token))
  assert.equal(ok.statusCode, 200)
  assert.equal(ok.headers['cache-control'], 'no-store')
})

test('a user narrowed to scope "user" at login cannot use admin routes even with the admin role', async (t) => {
  const { app, deps } = await buildTestApp(t)
  await adminLogin(app, deps)
  const narrowed = await login(app, 'root', 'an administrator passphrase', '&scope=user')
  assert.equal((await app.inject(json('GET', '/admin/users', narrowed.access_token))).statusCode, 403)
})

// @see issue 5: a demoted admin's unexpired token still passed requireScope('admin').
test("losing the admin role closes admin routes to the user's unexpired token at once", async (t) => {
  const { app, deps } = await buildTestApp(t)
  const root = await adminLogin(app, deps)
  const other = await adminLogin(app, deps, 'second')
  assert.equal((await app.inject(json('GET', '/admin/users', other.access_token))).statusCode, 200)
  const demote = await app.inject(json('PATCH', `/admin/users/${other.id}`, root.access_token, { roles: ['user'] }))
  assert.equal(demote.statusCode, 200)
  assert.deepEqual(demote.json().roles, ['user'])
  assert.equal((await app.inject(json('GET', '/admin/users', other.access_token))).statusCode, 403)
  assert.equal((await me(app, other.access_token)).statusCode, 200, 'still a user')
})

test('GET /admin/users pages with an opaque cursor, visiting every user exactly once, and searches by prefix', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const admin = await adminLogin(app, deps)
  const names = ['walt', 'Anna', 'bert', 'Bella', 'cyd', 'dora', 'emil']
  for (const username of names) await registerUser(app, { username, password: `${username} has a passphrase`, email: username === 'cyd' ? 'bees@x.io' : null })
  const seen: string[] = []
  let cursor: string | null = null
  do {
    const res: LightMyRequestResponse = await app.inject(json('GET', `/admin/users?limit=3${cursor ? `&cursor=${cursor}` : ''}`, admin.access_token))
    assert.equal(res.statusCode, 200, res.body)
    const page = res.json() as { users: { username: string }[]; next_cursor: string | null }
    assert.ok(page.users.length <= 3)
    seen.push(...page.users.map((u) => u.username))
    cursor = page.next_cursor
  } while (cursor)
  assert.deepEqual(seen, ['Anna', 'Bella', 'bert', 'cyd', 'dora', 'emil', 'root', 'walt'])
  const search = await app.inject(json('GET', '/admin/users?q=BE', admin.access_token))
  assert.deepEqual(
    search.json().users.map((u: { username: string }) => u.username),
    ['Bella', 'bert', 'cyd'],
    'username or email prefix, any case',
  )
  for (const q of ['limit=0', 'limit=201', 'limit=ten', 'cursor=%%%', 'cursor=bm90LWEta2V5', 'extra=1']) {
    const res = await app.inject(json('GET', `/admin/users?${q}`, admin.access_token))
    assert.equal(res.statusCode, ['cursor=bm90LWEta2V5', 'extra=1'].includes(q) ? 200 : 422, q) // unknown parameters are ignored, as FastAPI does
  }
})

test('POST /admin/users creates with roles; taken → 400; weak password or unknown role → 422 and nothing is created', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const admin = await adminLogin(app, deps)
  const created = await app.inject(
    json('POST', '/admin/users', admin.access_token, { username: 'carol', password: 'carols own passphrase', roles: ['user', 'admin'] }),
  )
  assert.equal(created.statusCode, 201, created.body)
  assert.deepEqual(created.json().roles, ['user', 'admin'])
  await login(app, 'carol', 'carols own passphrase')
  const dup = await app.inject(json('POST', '/admin/users', admin.access_token, { username: 'CAROL', password: 'another passphrase' }))
  assert.equal(dup.statusCode, 400)
  assert.deepEqual(dup.json(), { detail: 'Username already registered' })
  const weak = await app.inject(json('POST', '/admin/users', admin.access_token, { username: 'dan', password: 'password1', roles: ['wizard'] }))
  assert.equal(weak.statusCode, 422)
  assert.deepEqual(
    weak.json().detail.map((d: { loc: string[] }) => d.loc.at(-1)),
    ['password', 'roles'],
  )
  const list = await app.inject(json('GET', '/admin/users?q=dan', admin.access_token))
  assert.deepEqual(list.json().users, [])
})

test('GET/PATCH /admin/users/{id}: 404 for unknown ids; email, email_verified and roles change; bad input changes nothing', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const admin = await adminLogin(app, deps)
  const alice = await registerUser(app, { email: 'alice@example.com' })
  await registerUser(app, { username: 'bob', email: 'bob@example.com', password: 'bobs own passphrase' })
  assert.equal((await app.inject(json('GET', `/admin/users/${crypto.randomUUID()}`, admin.access_token))).statusCode, 404)
  assert.equal((await app.inject(json('PATCH', '/admin/users/nope', admin.access_token, { disabled: true }))).statusCode, 404)
  const read = await app.inject(json('GET', `/admin/users/${alice.id}`, admin.access_token))
  assert.equal(read.json().username, 'alice')
  const verified = await app.inject(json('PATCH', `/admin/users/${alice.id}`, admin.access_token, { email_verified: true }))
  assert.equal(verified.json().email_verified, true)
  const moved = await app.inject(json('PATCH', `/admin/users/${alice.id}`, admin.access_token, { email: 'Alice@New.example' }))
  assert.equal(moved.json().email, 'Alice@new.example')
  assert.equal(moved.json().email_verified, false, 'a new address is unverified unless the admin says so')
  const taken = await app.inject(json('PATCH', `/admin/users/${alice.id}`, admin.access_token, { email: 'BOB@example.com' }))
  assert.equal(taken.statusCode, 400)
  for (const body of [{}, { roles: ['wizard'] }, { disabled: 'yes' }, { email: 'nope' }, { username: 'renamed' }]) {
    const res = await app.inject(json('PATCH', `/admin/users/${alice.id}`, admin.access_token, body))
    assert.equal(res.statusCode, 422, JSON.stringify(body))
  }
  const after = await app.inject(json('GET', `/admin/users/${alice.id}`, admin.access_token))
  assert.deepEqual(after.json(), moved.json(), 'refused patches changed nothing')
})

test('disabling a user ends their sessions and fails their access token on the very next request; enabling lets them log in', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const admin = await adminLogin(app, deps)
  const alice = await registerUser(app)
  const tokens = await login(app)
  assert.equal((await me(app, tokens.access_token)).statusCode, 200)
  const off = await app.inject(json('PATCH', `/admin/users/${alice.id}`, admin.access_token, { disabled: true }))
  assert.equal(off.json().disabled, true)
  assert.equal((await me(app, tokens.access_token)).statusCode, 401)
  const refresh = await app.inject(refreshRequest(tokens.refresh_token))
  assert.equal(refresh.statusCode, 400)
  const relogin = await app.inject({ method: 'POST', url: '/token', headers: FORM, payload: form({ username: 'alice', password: PASSWORD }) })
  assert.deepEqual([relogin.statusCode, relogin.json().detail], [400, 'Inactive user'])
  await app.inject(json('PATCH', `/admin/users/${alice.id}`, admin.access_token, { disabled: false }))
  assert.equal((await me(app, tokens.access_token)).statusCode, 401, 'the ended session stays ended')
  await login(app)
})

test('DELETE /admin/users/{id}: gone at once; admins cannot disable, demote or delete themselves', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const admin = await adminLogin(app, deps)
  const alice = await registerUser(app)
  const tokens = await login(app)
  assert.equal((await app.inject(json('DELETE', `/admin/users/${alice.id}`, admin.access_token))).statusCode, 204)
  assert.equal((await me(app, tokens.access_token)).statusCode, 401)
  assert.equal((await app.inject(json('DELETE', `/admin/users/${alice.id}`, admin.access_token))).statusCode, 404)
  for (const [method, body] of [
    ['PATCH', { disabled: true }],
    ['PATCH', { roles: ['user'] }],
    ['DELETE', undefined],
  ] as const) {
    const res = await app.inject(json(method, `/admin/users/${admin.id}`, admin.access_token, body))
    assert.equal(res.statusCode, 400, `${method} ${JSON.stringify(body)}`)
  }
  assert.equal((await app.inject(json('GET', '/admin/users', admin.access_token))).statusCode, 200, 'still an admin')
})

test("a user's sessions: listed for the admin, all revoked at once", async (t) => {
  const { app, deps } = await buildTestApp(t)
  const admin = await adminLogin(app, deps)
  const alice = await registerUser(app)
  const a = await login(app)
  const b = await login(app)
  const list = await app.inject(json('GET', `/admin/users/${alice.id}/sessions`, admin.access_token))
  assert.equal(list.statusCode, 200)
  assert.equal(list.json().length, 2)
  assert.ok(list.json().every((s: { current: boolean }) => s.current === false))
  assert.equal((await app.inject(json('POST', `/admin/users/${alice.id}/sessions/revoke`, admin.access_token))).statusCode, 204)
  assert.equal((await me(app, a.access_token)).statusCode, 401)
  assert.equal((await me(app, b.access_token)).statusCode, 401)
  assert.deepEqual((await app.inject(json('GET', `/admin/users/${alice.id}/sessions`, admin.access_token))).json(), [])
  assert.equal((await app.inject(json('POST', `/admin/users/${crypto.randomUUID()}/sessions/revoke`, admin.access_token))).statusCode, 404)
  assert.equal((await me(app, admin.access_token)).statusCode, 200, "the admin's own session is untouched")
  const types = await auditTypes(app, admin.access_token, `&user_id=${alice.id}`)
  assert.deepEqual(types, ['user.registered', 'login.succeeded', 'login.succeeded', 'session.ended'])
})
