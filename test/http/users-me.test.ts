import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildTestApp } from '../helpers/build-app.js'
import { ADMIN_PASSWORD, adminLogin, bearer, decodeJwt, FORM, form, login, me, PASSWORD, registerUser } from '../helpers/fixtures.js'

test('GET /users/me → the user, no-store', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app, { email: 'alice@example.com' })
  const { access_token } = await login(app)
  const res = await me(app, access_token)
  assert.equal(res.statusCode, 200)
  // @see issue 5: created_at used to be compared with itself.
  assert.deepEqual(res.json(), { ...user, email_verified: false, roles: ['user'], disabled: false })
  assert.ok(Math.abs(Date.parse(res.json().created_at) - Date.now()) < 60_000)
  assert.equal(res.headers['cache-control'], 'no-store')
})

test('no credentials → 401 Not authenticated with a bare Bearer challenge', async (t) => {
  const { app } = await buildTestApp(t)
  const res = await app.inject({ method: 'GET', url: '/users/me' })
  assert.equal(res.statusCode, 401)
  assert.deepEqual(res.json(), { detail: 'Not authenticated' })
  assert.equal(res.headers['www-authenticate'], 'Bearer')
})

test('PATCH /users/me: needs the current password; a new address is pending, and a taken one answers alike', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const user = await registerUser(app, { email: 'alice@example.com' })
  await deps.store.updateUser(user.id, { emailVerified: true }, new Date())
  await registerUser(app, { username: 'bob', email: 'bob@example.com', password: 'bobs own passphrase' })
  const { access_token } = await login(app)
  const patch = (body: object) => app.inject({ method: 'PATCH', url: '/users/me', headers: bearer(access_token), payload: body })
  assert.equal((await patch({ email: 'alice@new.example' })).statusCode, 422, 'current_password is required')
  const wrong = await patch({ email: 'alice@new.example', current_password: 'not the password' })
  assert.equal(wrong.statusCode, 403)
  const same = await patch({ email: 'alice@example.com', current_password: PASSWORD })
  assert.equal(same.json().email_verified, true, 'unchanged email stays verified')
  const res = await patch({ email: 'alice@NEW.example', current_password: PASSWORD })
  assert.equal(res.statusCode, 200)
  assert.deepEqual([res.json().email, res.json().email_verified, res.json().pending_email], ['alice@example.com', true, 'alice@new.example'])
  // Another account holds bob@example.com: the answer must not say so (issue 8).
  const taken = await patch({ email: 'BOB@example.com', current_password: PASSWORD })
  assert.equal(taken.statusCode, 200)
  assert.deepEqual([taken.json().email, taken.json().pending_email], ['alice@example.com', 'BOB@example.com'])
  assert.equal((await patch({ email: 'not-an-email', current_password: PASSWORD })).statusCode, 422)
  const cleared = await patch({ email: null, current_password: PASSWORD })
  assert.deepEqual([cleared.json().email, cleared.json().pending_email], [null, null])
  assert.equal((await app.inject({ method: 'PATCH', url: '/users/me', payload: { email: null, current_password: PASSWORD } })).statusCode, 401)
})

test('POST /users/me/password: wrong current → 403; weak new → 422; success ends the other sessions', async (t) => {
  const { app } = await buildTestApp(t)
  await registerUser(app)
  const mine = await login(app)
  const other = await login(app)
  const change = (body: object) => app.inject({ method: 'POST', url: '/users/me/password', headers: bearer(mine.access_token), payload: body })
  const wrong = await change({ current_password: 'not it at all', new_password: 'a brand new passphrase' })
  assert.equal(wrong.statusCode, 403)
  assert.deepEqual(wrong.json(), { detail: 'Invalid password' })
  const weak = await change({ current_password: PASSWORD, new_password: 'password1' })
  assert.equal(weak.statusCode, 422)
  assert.deepEqual(weak.json().detail[0].loc, ['body', 'new_password'])
  const ok = await change({ current_password: PASSWORD, new_password: 'a brand new passphrase' })
  assert.equal(ok.statusCode, 204)
  assert.equal((await me(app, mine.access_token)).statusCode, 200, 'the current session survives')
  assert.equal((await me(app, other.access_token)).statusCode, 401, 'other sessions end')
  const refreshOther = await app.inject({
    method: 'POST',
    url: '/token',
    headers: FORM,
    payload: form({ grant_type: 'refresh_token', refresh_token: other.refresh_token }),
  })
  assert.equal(refreshOther.statusCode, 400)
  const old = await app.inject({ method: 'POST', url: '/token', headers: FORM, payload: form({ username: 'alice', password: PASSWORD }) })
  assert.equal(old.statusCode, 401)
  await login(app, 'alice', 'a brand new passphrase')
})

test('DELETE /users/me needs the password; then the account and its sessions are gone', async (t) => {
  const { app } = await buildTestApp(t)
  await registerUser(app)
  const { access_token } = await login(app)
  const del = (password: string) => app.inject({ method: 'DELETE', url: '/users/me', headers: bearer(access_token), payload: { password } })
  assert.equal((await del('wrong password here')).statusCode, 403)
  assert.equal((await app.inject({ method: 'DELETE', url: '/users/me', headers: bearer(access_token) })).statusCode, 422)
  assert.equal((await del(PASSWORD)).statusCode, 204)
  assert.equal((await me(app, access_token)).statusCode, 401)
  const relogin = await app.inject({ method: 'POST', url: '/token', headers: FORM, payload: form({ username: 'alice', password: PASSWORD }) })
  assert.equal(relogin.statusCode, 401)
  // The name is free again.
  await registerUser(app)
})

test('session list marks the current one; ending one revokes its tokens; others are not visible', async (t) => {
  const { app } = await buildTestApp(t)
  await registerUser(app)
  const a = await login(app)
  const b = await login(app)
  const list = await app.inject({ method: 'GET', url: '/users/me/sessions', headers: { ...bearer(a.access_token), 'user-agent': 'test-agent' } })
  assert.equal(list.statusCode, 200)
  const sessions = list.json() as { id: string; current: boolean; ip: string }[]
  assert.equal(sessions.length, 2)
  const sidA = decodeJwt(a.access_token).payload.sid
  const sidB = decodeJwt(b.access_token).payload.sid as string
  assert.deepEqual(sessions.find((s) => s.current)?.id, sidA)
  assert.deepEqual(Object.keys(sessions[0]!).sort(), ['client_id', 'created_at', 'current', 'id', 'ip', 'last_used_at', 'user_agent'])

  await registerUser(app, { username: 'mallory', password: 'mallorys passphrase' })
  const m = await login(app, 'mallory', 'mallorys passphrase')
  const steal = await app.inject({ method: 'DELETE', url: `/users/me/sessions/${sidB}`, headers: bearer(m.access_token) })
  assert.equal(steal.statusCode, 404)
  assert.equal((await me(app, b.access_token)).statusCode, 200)

  const end = await app.inject({ method: 'DELETE', url: `/users/me/sessions/${sidB}`, headers: bearer(a.access_token) })
  assert.equal(end.statusCode, 204)
  assert.equal((await me(app, b.access_token)).statusCode, 401)
  assert.equal((await app.inject({ method: 'DELETE', url: `/users/me/sessions/${sidB}`, headers: bearer(a.access_token) })).statusCode, 404)
})

// @see issue 12
test('DELETE /users/me: the last admin cannot delete themselves (400, nothing changes); two last admins at once leave one', async (t) => {
  const { app, deps } = await buildTestApp(t, { RATE_LIMIT: 'on' })
  const root = await adminLogin(app, deps, 'root')
  const second = await adminLogin(app, deps, 'second')
  const deleteMe = (token: string) => app.inject({ method: 'DELETE', url: '/users/me', headers: bearer(token), payload: { password: ADMIN_PASSWORD } })
  assert.equal((await deleteMe(second.access_token)).statusCode, 204, 'control: an admin with another admin beside them can leave')

  const refused = await deleteMe(root.access_token)
  assert.equal(refused.statusCode, 400)
  assert.deepEqual(refused.json(), { detail: 'The last admin cannot delete their own account' })
  assert.equal((await me(app, root.access_token)).statusCode, 200, 'the account and its session are untouched')
  assert.equal((await app.inject({ method: 'GET', url: '/admin/users', headers: bearer(root.access_token) })).statusCode, 200, 'still an admin')
  await registerUser(app, { username: 'plain' })
  assert.equal((await deleteMe((await login(app, 'plain')).access_token)).statusCode, 403, 'a wrong password is still a 403 first')

  // Two admins, each the other's only fellow, delete themselves at the same moment.
  const third = await adminLogin(app, deps, 'third')
  const both = await Promise.all([deleteMe(root.access_token), deleteMe(third.access_token)])
  assert.deepEqual(both.map((r) => r.statusCode).sort(), [204, 400], 'exactly one of them goes')
  const admins = (await deps.store.listUsers({ limit: 50 })).filter((u) => u.roles.includes('admin'))
  assert.equal(admins.length, 1)
})
