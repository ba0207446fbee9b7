import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildTestApp, testClock } from '../helpers/build-app.js'
import { decodeJwt, FORM, form, login, me, PASSWORD, registerUser } from '../helpers/fixtures.js'

const token = (payload: string, headers: Record<string, string> = FORM) => ({ method: 'POST' as const, url: '/token', headers, payload })

test('password grant → 200 with tokens, no-store, and RFC 9068 claims', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)
  const res = await app.inject(token(form({ username: 'alice', password: PASSWORD })))
  assert.equal(res.statusCode, 200)
  assert.equal(res.headers['cache-control'], 'no-store')
  const body = res.json()
  assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'refresh_token', 'scope', 'token_type'])
  assert.equal(body.token_type, 'bearer')
  assert.equal(body.expires_in, 1800)
  assert.equal(body.scope, 'user')
  assert.match(body.refresh_token, /^[A-Za-z0-9_-]{43}$/)
  const { header, payload } = decodeJwt(body.access_token)
  assert.equal(header.alg, 'EdDSA')
  assert.equal(header.typ, 'at+jwt')
  assert.equal(typeof header.kid, 'string')
  assert.equal(payload.sub, user.id)
  assert.equal(payload.username, 'alice')
  assert.equal(payload.iss, 'http://127.0.0.1:8000')
  assert.equal(payload.aud, 'gatehouse')
  assert.equal(payload.scope, 'user')
  assert.equal(payload.client_id, 'gatehouse')
  assert.equal((payload.exp as number) - (payload.iat as number), 1800)
  for (const c of ['jti', 'sid']) assert.equal(typeof payload[c], 'string')
})

test('login is case-insensitive on the username and accepts a JSON body', async (t) => {
  const { app } = await buildTestApp(t)
  await registerUser(app)
  const res = await app.inject({ method: 'POST', url: '/token', payload: { username: 'ALICE', password: PASSWORD } })
  assert.equal(res.statusCode, 200)
})

test('wrong password and unknown user → the same 401 invalid_grant', async (t) => {
  const { app, deps } = await buildTestApp(t)
  await registerUser(app)
  const verifies = async () =>
    (await deps.metrics.hashDuration.get()).values.find((v) => v.metricName?.endsWith('_count') && v.labels.op === 'verify')?.value ?? 0
  const before = await verifies()
  const wrong = await app.inject(token(form({ username: 'alice', password: 'not the password' })))
  const unknown = await app.inject(token(form({ username: 'nobody', password: 'not the password' })))
  const invalidName = await app.inject(token(form({ username: '<x>', password: 'not the password' })))
  for (const res of [wrong, unknown, invalidName]) {
    assert.equal(res.statusCode, 401)
    assert.deepEqual(res.json(), { detail: 'Invalid credentials', error: 'invalid_grant' })
    assert.equal(res.headers['www-authenticate'], 'Bearer')
    assert.equal(res.headers['cache-control'], 'no-store')
  }
  // Timing: an unknown user costs one full password verification, as a wrong password does.
  assert.equal((await verifies()) - before, 3)
})

test('disabled account with the right password → 400 Inactive user; wrong password still 401', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const user = await registerUser(app)
  await deps.store.updateUser(user.id, { disabled: true }, new Date())
  const res = await app.inject(token(form({ username: 'alice', password: PASSWORD })))
  assert.equal(res.statusCode, 400)
  assert.deepEqual(res.json(), { detail: 'Inactive user', error: 'invalid_grant' })
  const wrong = await app.inject(token(form({ username: 'alice', password: 'wrong password!' })))
  assert.equal(wrong.statusCode, 401)
})

test('missing fields → 422; unknown grant → 400 unsupported_grant_type', async (t) => {
  const { app } = await buildTestApp(t)
  const noPass = await app.inject(token(form({ username: 'alice' })))
  assert.equal(noPass.statusCode, 422)
  assert.deepEqual(noPass.json(), { detail: [{ loc: ['body', 'password'], msg: 'Field required', type: 'missing' }] })
  const noRefresh = await app.inject(token(form({ grant_type: 'refresh_token' })))
  assert.equal(noRefresh.statusCode, 422)
  for (const grant_type of ['implicit', 'urn:ietf:params:oauth:grant-type:device_code', '__proto__', 'constructor']) {
    const res = await app.inject(token(form({ grant_type, username: 'a', password: 'b' })))
    assert.equal(res.statusCode, 400, grant_type)
    assert.deepEqual(res.json(), { detail: 'Unsupported grant type', error: 'unsupported_grant_type' })
  }
  const twice = await app.inject(token('username=a&username=b&password=c'))
  assert.equal(twice.statusCode, 422)
})

test('scope: within the roles → granted; beyond → 400 invalid_scope', async (t) => {
  const { app } = await buildTestApp(t)
  await registerUser(app)
  const ok = await app.inject(token(form({ username: 'alice', password: PASSWORD, scope: 'user' })))
  assert.equal(ok.json().scope, 'user')
  for (const scope of ['admin', 'user admin', 'bogus', 'bad"scope']) {
    const res = await app.inject(token(form({ username: 'alice', password: PASSWORD, scope })))
    assert.equal(res.statusCode, 400, scope)
    assert.equal(res.json().error, 'invalid_scope')
  }
})

test('refresh rotates: new pair, old refresh token spent', async (t) => {
  const { app } = await buildTestApp(t)
  await registerUser(app)
  const first = await login(app)
  const res = await app.inject(token(form({ grant_type: 'refresh_token', refresh_token: first.refresh_token })))
  assert.equal(res.statusCode, 200)
  assert.equal(res.headers['cache-control'], 'no-store')
  const second = res.json()
  assert.notEqual(second.refresh_token, first.refresh_token)
  assert.equal(decodeJwt(second.access_token).payload.sid, decodeJwt(first.access_token).payload.sid)
  assert.equal((await me(app, second.access_token)).statusCode, 200)
})

test('reusing a rotated refresh token after the grace ends the whole session (RFC 9700 §4.14)', async (t) => {
  const clock = testClock()
  const { app } = await buildTestApp(t, {}, { clock })
  await registerUser(app)
  const first = await login(app)
  const second = (await app.inject(token(form({ grant_type: 'refresh_token', refresh_token: first.refresh_token })))).json()
  clock.advance(10) // REFRESH_REUSE_GRACE defaults to 10 s: at 10 s it is over
  const reuse = await app.inject(token(form({ grant_type: 'refresh_token', refresh_token: first.refresh_token })))
  assert.equal(reuse.statusCode, 400)
  assert.equal(reuse.json().error, 'invalid_grant')
  // The legitimate holder's newer tokens die too.
  const next = await app.inject(token(form({ grant_type: 'refresh_token', refresh_token: second.refresh_token })))
  assert.equal(next.statusCode, 400)
  assert.equal((await me(app, second.access_token)).statusCode, 401)
  // Other sessions are untouched.
  const other = await login(app)
  assert.equal((await me(app, other.access_token)).statusCode, 200)
})

test('a spent refresh token with a bogus scope still counts as reuse and ends the session', async (t) => {
  const { app } = await buildTestApp(t, { REFRESH_REUSE_GRACE: '0s' })
  await registerUser(app)
  const first = await login(app)
  const second = (await app.inject(token(form({ grant_type: 'refresh_token', refresh_token: first.refresh_token })))).json()
  const probe = await app.inject(token(form({ grant_type: 'refresh_token', refresh_token: first.refresh_token, scope: 'admin' })))
  assert.equal(probe.statusCode, 400)
  assert.equal(probe.json().error, 'invalid_grant')
  assert.equal((await me(app, second.access_token)).statusCode, 401)
})

test('without a grace, concurrent refreshes with one token: exactly one wins, the rest are reuse', async (t) => {
  const { app } = await buildTestApp(t, { REFRESH_REUSE_GRACE: '0s' })
  await registerUser(app)
  const first = await login(app)
  const results = await Promise.all(
    Array.from({ length: 10 }, () => app.inject(token(form({ grant_type: 'refresh_token', refresh_token: first.refresh_token })))),
  )
  assert.equal(results.filter((r) => r.statusCode === 200).length, 1)
  assert.equal(results.filter((r) => r.statusCode === 400).length, 9)
})

test('bad refresh tokens → 400 invalid_grant', async (t) => {
  const { app } = await buildTestApp(t)
  for (const refresh_token of ['garbage', 'x'.repeat(43), '', 'a.b.c']) {
    const res = await app.inject(token(form({ grant_type: 'refresh_token', refresh_token })))
    assert.equal(res.statusCode, 400, refresh_token)
    assert.equal(res.json().error, 'invalid_grant')
  }
})

test('refresh may narrow the scope but never widen it; a refused scope keeps the token usable', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const user = await registerUser(app)
  await deps.store.updateUser(user.id, { roles: ['user', 'admin'] }, new Date())
  const first = await login(app)
  assert.equal(first.scope, 'user admin')
  const narrowed = await app.inject(token(form({ grant_type: 'refresh_token', refresh_token: first.refresh_token, scope: 'user' })))
  assert.equal(narrowed.json().scope, 'user')
  const n = narrowed.json()
  const widened = await app.inject(token(form({ grant_type: 'refresh_token', refresh_token: n.refresh_token, scope: 'bogus' })))
  assert.equal(widened.statusCode, 400)
  assert.equal(widened.json().error, 'invalid_scope')
  const still = await app.inject(token(form({ grant_type: 'refresh_token', refresh_token: n.refresh_token })))
  assert.equal(still.statusCode, 200)
})

test('a refresh for a disabled user fails, and losing a role drops its scope', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const user = await registerUser(app)
  await deps.store.updateUser(user.id, { roles: ['user', 'admin'] }, new Date())
  const first = await login(app)
  await deps.store.updateUser(user.id, { roles: ['user'] }, new Date())
  const res = await app.inject(token(form({ grant_type: 'refresh_token', refresh_token: first.refresh_token })))
  assert.equal(res.json().scope, 'user')
  await deps.store.updateUser(user.id, { disabled: true }, new Date())
  const dead = await app.inject(token(form({ grant_type: 'refresh_token', refresh_token: res.json().refresh_token })))
  assert.equal(dead.statusCode, 400)
})

test('sessions end after their idle and absolute lifetimes', async (t) => {
  const clock = testClock()
  const { app } = await buildTestApp(t, { SESSION_IDLE_TTL: '1h', REFRESH_TOKEN_TTL: '3h', ACCESS_TOKEN_TTL: '5m' }, { clock })
  await registerUser(app)
  let tokens = await login(app)
  const refresh = async () => app.inject(token(form({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token })))
  // Refreshing every 50 minutes keeps the session alive until the absolute end...
  for (let i = 0; i < 3; i++) {
    clock.advance(50 * 60)
    const res = await refresh()
    assert.equal(res.statusCode, 200, `refresh ${i}`)
    tokens = res.json()
  }
  clock.advance(40 * 60) // 190 minutes: past the 3 h absolute lifetime
  assert.equal((await refresh()).statusCode, 400)

  tokens = await login(app)
  clock.advance(61 * 60) // idle for over an hour
  assert.equal((await refresh()).statusCode, 400)
})

test('access tokens expire after ACCESS_TOKEN_TTL', async (t) => {
  const clock = testClock()
  const { app } = await buildTestApp(t, { ACCESS_TOKEN_TTL: '90s' }, { clock })
  await registerUser(app)
  const { access_token, expires_in } = await login(app)
  assert.equal(expires_in, 90)
  assert.equal((await me(app, access_token)).statusCode, 200)
  clock.advance(80)
  assert.equal((await me(app, access_token)).statusCode, 200)
  clock.advance(20) // 100 s: past exp + 5 s leeway
  const res = await me(app, access_token)
  assert.equal(res.statusCode, 401)
  assert.deepEqual(res.json(), { detail: 'Could not validate credentials' })
})
