import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RULES } from '../../src/http/rate-limit.js'
import { buildTestApp } from '../helpers/build-app.js'
import { adminLogin, auditTypes, bearer, FORM, form, login, PASSWORD, registerUser } from '../helpers/fixtures.js'

test('RATE_LIMIT=on: /token past its per-address budget → 429 with Retry-After and a detail', async (t) => {
  const { app } = await buildTestApp(t, { RATE_LIMIT: 'on' })
  const attempt = () => app.inject({ method: 'POST', url: '/token', headers: FORM, payload: form({ username: 'nobody', password: 'whatever pass' }) })
  for (let i = 0; i < RULES.token.limit; i++) assert.equal((await attempt()).statusCode, 401)
  const limited = await attempt()
  assert.equal(limited.statusCode, 429)
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
test('re-checking the current password is limited per user across addresses, and every wrong guess is audited', async (t) => {
  const { app, deps } = await buildTestApp(t, { RATE_LIMIT: 'on' })
  const admin = await adminLogin(app, deps)
  await registerUser(app)
  const { access_token } = await login(app)
  const guess = (i: number) =>
    app.inject({
      method: 'POST',
      url: '/users/me/password',
      headers: { ...bearer(access_token), 'x-forwarded-for': `10.0.0.${i}` },
      remoteAddress: `192.0.2.${i}`,
      payload: { current_password: `guess number ${i}`, new_password: 'a brand new passphrase' },
    })
  for (let i = 0; i < RULES.reauth.limit; i++) assert.equal((await guess(i)).statusCode, 403, `guess ${i}`)
  const limited = await guess(99)
  assert.equal(limited.statusCode, 429, 'the eleventh guess, from yet another address')
  assert.ok(Number(limited.headers['retry-after']) > 0)
  const del = await app.inject({ method: 'DELETE', url: '/users/me', headers: bearer(access_token), payload: { password: PASSWORD } })
  assert.equal(del.statusCode, 429, 'account deletion shares the budget')
  const failures = (await auditTypes(app, admin.access_token, '&type=login.failed')).length
  assert.equal(failures, RULES.reauth.limit)
})
