import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RULES } from '../../src/http/rate-limit.js'
import { buildTestApp } from '../helpers/build-app.js'
import { FORM, form } from '../helpers/fixtures.js'

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
