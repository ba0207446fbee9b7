import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RULES } from '../../src/http/rate-limit.js'
import { buildTestApp, testClock } from '../helpers/build-app.js'
import { ADMIN_PASSWORD, adminLogin, auditTypes, bearer, FORM, form, login, PASSWORD, registerUser } from '../helpers/fixtures.js'

test('RATE_LIMIT=on: /token past its per-address budget → 429 with Retry-After and a detail', async (t) => {
  const { app } = await buildTestApp(t, { RATE_LIMIT: 'on' })
  // A new name each time: the per-account back-off must not be what answers here.
  let n = 0
  const attempt = () => app.inject({ method: 'POST', url: '/token', headers: FORM, payload: form({ username: `nobody${n++}`, password: 'whatever pass' }) })
  for (let i = 0; i < RULES.token.limit; i++) assert.equal((await attempt()).statusCode, 401)
  const limited = await attempt()
  assert.equal(limited.statusCode, 429)
  assert.equal(limited.headers['cache-control'], 'no-store', "even the limiter's answer is never cached")
  assert.deepEqual(limited.json(), { detail: 'Too many requests' })
  const retry = Number(limited.headers['retry-after'])
  assert.ok(retry >= 1 && retry <= 60, String(retry))
  // @see issue 5: this used to hit GET /, which has no limiter at all. /register has its own budget.
  const register = await app.inject({ method: 'POST', url: '/register', payload: { username: 'budget', password: 'correct horse battery' } })
  assert.equal(register.statusCode, 201, 'the /token budget is not spent on /register')
})

test('RATE_LIMIT=off lets every request through', async (t) => {
  const { app } = await buildTestApp(t, { RATE_LIMIT: 'off' })
  for (let i = 0; i < RULES.revoke.limit + 5; i++) {
    assert.equal((await app.inject({ method: 'POST', url: '/revoke', headers: FORM, payload: form({ token: 'x' }) })).statusCode, 200)
  }
})

// @see issue 5 review: 100 guesses of the current password with a stolen access token ran at 80/s, unrecorded.
test('re-checking the current password backs off per user across addresses, and every wrong guess is audited', async (t) => {
  const clock = testClock()
  const { app, deps } = await buildTestApp(t, { RATE_LIMIT: 'on' }, { clock })
  await adminLogin(app, deps)
  await registerUser(app)
  const { access_token } = await login(app)
  const guess = (i: number, current = `guess number ${i}`) =>
    app.inject({
      method: 'POST',
      url: '/users/me/password',
      headers: bearer(access_token),
      remoteAddress: `192.0.2.${i}`,
      payload: { current_password: current, new_password: 'a brand new passphrase' },
    })
  const statuses: number[] = []
  for (let i = 0; i < 8; i++) statuses.push((await guess(i)).statusCode)
  assert.deepEqual(statuses, [403, 403, 403, 403, 403, 403, 429, 429], 'five free, the sixth starts a back-off, from any address')
  const limited = await guess(99, PASSWORD)
  assert.equal(limited.statusCode, 429, 'even the right password waits')
  assert.ok(Number(limited.headers['retry-after']) > 0)
  const del = await app.inject({ method: 'DELETE', url: '/users/me', headers: bearer(access_token), payload: { password: PASSWORD } })
  assert.equal(del.statusCode, 429, 'account deletion shares the budget')
  clock.advance(900) // past the back-off, and past the per-user budget of 10 requests per 15 minutes
  assert.equal((await guess(100, PASSWORD)).statusCode, 204, 'after the back-off the right password works')
  const types = await auditTypes(app, (await login(app, 'root', ADMIN_PASSWORD)).access_token)
  assert.equal(types.filter((x) => x === 'login.failed').length, 6)
  assert.ok(types.includes('login.locked'))
})

// @see issue 6: TRUST_PROXY=on believed every X-Forwarded-For hop, so each guess could claim a fresh address.
test("TRUST_PROXY names the proxies: their X-Forwarded-For is read from the right; anyone else's is ignored", async (t) => {
  const { app } = await buildTestApp(t, { TRUST_PROXY: '127.0.0.1' })
  await registerUser(app)
  const tokens = await login(app)
  const ipSeen = async (remoteAddress: string, xff: string) => {
    const res = await app.inject({
      method: 'GET',
      url: '/users/me/sessions',
      remoteAddress,
      headers: { ...bearer(tokens.access_token), 'x-forwarded-for': xff },
    })
    const current = await app.inject({
      method: 'POST',
      url: '/token',
      remoteAddress,
      headers: { ...FORM, 'x-forwarded-for': xff },
      payload: form({ username: 'alice', password: PASSWORD }),
    })
    assert.equal(res.statusCode, 200)
    const sessions = (await app.inject({ method: 'GET', url: '/users/me/sessions', headers: bearer(current.json().access_token) })).json() as {
      ip: string
      current: boolean
    }[]
    return sessions.find((s) => s.current)!.ip
  }
  assert.equal(await ipSeen('127.0.0.1', '203.0.113.5'), '203.0.113.5', 'from the trusted proxy: the client it saw')
  assert.equal(await ipSeen('127.0.0.1', '6.6.6.6, 203.0.113.5'), '203.0.113.5', 'a client-written left-most entry is not believed')
  assert.equal(await ipSeen('198.51.100.1', '203.0.113.5'), '198.51.100.1', 'from anyone else: the header is ignored')
})
