import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildTestApp, testClock } from '../helpers/build-app.js'
import { ADMIN_PASSWORD, adminLogin, auditTypes, bearer, FORM, form, login, PASSWORD, registerUser, refreshRequest } from '../helpers/fixtures.js'

test('every security outcome lands in the audit log once, with actor, subject, address and user agent', async (t) => {
  const clock = testClock()
  const { app, deps } = await buildTestApp(t, {}, { clock })
  const admin = await adminLogin(app, deps)
  const alice = await registerUser(app)
  const ua = { 'user-agent': 'audit-test/1.0' }
  const wrong = await app.inject({
    method: 'POST',
    url: '/token',
    headers: { ...FORM, ...ua },
    payload: form({ username: 'alice', password: 'not the password' }),
  })
  assert.equal(wrong.statusCode, 401)
  await app.inject({ method: 'POST', url: '/token', headers: FORM, payload: form({ username: 'ghost', password: 'not the password' }) })
  const tokens = await login(app)
  const next = (await app.inject(refreshRequest(tokens.refresh_token))).json()
  clock.advance(11)
  await app.inject(refreshRequest(tokens.refresh_token))
  const second = await login(app)
  await app.inject({
    method: 'POST',
    url: '/users/me/password',
    headers: bearer(second.access_token),
    payload: { current_password: PASSWORD, new_password: 'a brand new passphrase' },
  })
  await app.inject({
    method: 'PATCH',
    url: '/users/me',
    headers: bearer(second.access_token),
    payload: { email: 'alice@example.com', current_password: 'a brand new passphrase' },
  })
  await app.inject({ method: 'POST', url: '/logout', headers: bearer(second.access_token) })
  await app.inject({ method: 'PATCH', url: `/admin/users/${alice.id}`, headers: bearer(admin.access_token), payload: { roles: ['user', 'admin'] } })
  await app.inject({ method: 'POST', url: '/admin/keys/rotate', headers: bearer(admin.access_token) })
  await app.inject({ method: 'DELETE', url: `/admin/users/${alice.id}`, headers: bearer(admin.access_token) })
  assert.ok(next.refresh_token)

  const types = await auditTypes(app, admin.access_token, `&user_id=${alice.id}`)
  assert.deepEqual(types, [
    'user.registered',
    'login.failed', // wrong password
    'login.succeeded',
    'refresh.reused', // a routine refresh is not audited; its reuse is
    'login.succeeded',
    'password.changed',
    'email.verification_sent', // to the new address, which stays pending until verified
    'user.updated',
    'session.ended', // logout
    'user.updated', // by the admin
    'user.deleted',
  ])
  const res = await app.inject({ method: 'GET', url: `/admin/audit?type=login.failed`, headers: bearer(admin.access_token) })
  const [ghost, failed] = res.json().events
  assert.deepEqual(ghost.details, { reason: 'unknown_user' }, 'no name for unknown accounts: it may be a mistyped password')
  assert.equal(ghost.subject_id, null)
  assert.deepEqual(failed.details, { reason: 'wrong_password', username: 'alice' })
  assert.equal(failed.subject_id, alice.id)
  assert.equal(failed.ip, '127.0.0.1')
  assert.equal(failed.user_agent, 'audit-test/1.0')
  const change = (await app.inject({ method: 'GET', url: `/admin/audit?type=user.updated&user_id=${admin.id}`, headers: bearer(admin.access_token) })).json()
    .events[0]
  assert.deepEqual([change.actor_id, change.subject_id, change.details.roles], [admin.id, alice.id, ['user', 'admin']])
  const all = JSON.stringify((await app.inject({ method: 'GET', url: '/admin/audit?limit=200', headers: bearer(admin.access_token) })).json())
  for (const secret of [PASSWORD, 'not the password', 'a brand new passphrase', ADMIN_PASSWORD, tokens.refresh_token, tokens.access_token]) {
    assert.ok(!all.includes(secret), 'no password or token is ever recorded')
  }
})

test('GET /admin/audit filters by type, user and time, pages newest first without repeats, and refuses bad filters', async (t) => {
  const clock = testClock()
  const { app, deps } = await buildTestApp(t, {}, { clock })
  const admin = await adminLogin(app, deps)
  for (let i = 0; i < 5; i++) {
    clock.advance(60)
    await app.inject({ method: 'POST', url: '/token', headers: FORM, payload: form({ username: 'nobody', password: `guess number ${i}` }) })
  }
  const get = (q: string) => app.inject({ method: 'GET', url: `/admin/audit?${q}`, headers: bearer(admin.access_token) })
  const ids: number[] = []
  let cursor: string | null = null
  do {
    const page = (await get(`type=login.failed&limit=2${cursor ? `&cursor=${cursor}` : ''}`)).json() as { events: { id: number }[]; next_cursor: string | null }
    ids.push(...page.events.map((e) => e.id))
    cursor = page.next_cursor
  } while (cursor)
  assert.equal(ids.length, 5)
  assert.deepEqual(
    ids,
    [...ids].sort((a, b) => b - a),
    'newest first',
  )
  const t0 = new Date('2026-11-28T12:00:00Z').getTime()
  const window = (await get(`since=${new Date(t0 + 120_000).toISOString()}&until=${new Date(t0 + 240_000).toISOString()}`)).json().events
  assert.equal(window.length, 2, 'since inclusive, until exclusive')
  for (const q of ['since=yesterday', 'since=2024-06-30T23:59:60Z', 'limit=500', 'cursor=zzz', 'cursor=YTA']) assert.equal((await get(q)).statusCode, 422, q)
})

test('replays within the grace, an admin revoke that ended nothing, and CLI-marked events are all recorded', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const admin = await adminLogin(app, deps)
  const alice = await registerUser(app)
  const tokens = await login(app)
  const refresh = () => app.inject(refreshRequest(tokens.refresh_token))
  await refresh()
  assert.equal((await refresh()).statusCode, 200)
  await app.inject({ method: 'POST', url: `/admin/users/${alice.id}/sessions/revoke`, headers: bearer(admin.access_token) })
  await app.inject({ method: 'POST', url: `/admin/users/${alice.id}/sessions/revoke`, headers: bearer(admin.access_token) })
  const types = await auditTypes(app, admin.access_token, `&user_id=${alice.id}`)
  assert.deepEqual(types, ['user.registered', 'login.succeeded', 'refresh.replayed', 'session.ended', 'session.ended'])
  const revokes = (await app.inject({ method: 'GET', url: `/admin/audit?type=session.ended`, headers: bearer(admin.access_token) })).json().events
  assert.deepEqual(
    revokes.map((e: { details: { count: number } }) => e.details.count),
    [0, 1],
  )
  const roles = await app.inject({ method: 'PATCH', url: `/admin/users/${alice.id}`, headers: bearer(admin.access_token), payload: { roles: [] } })
  assert.equal(roles.statusCode, 422, 'every user keeps at least one role')
})

// Found by the fuzz run on PostgreSQL: its text type cannot hold NUL, which was a 500.
test('a NUL in a filter or a search is a 4xx on every back end', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const admin = await adminLogin(app, deps)
  for (const url of ['/admin/audit?user_id=%00', '/admin/audit?type=a%00b', '/admin/users?q=%00', '/admin/users/%00']) {
    const res = await app.inject({ method: 'GET', url, headers: bearer(admin.access_token) })
    assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${url}: ${res.statusCode} ${res.body}`)
  }
})
