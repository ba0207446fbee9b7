import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildTestApp } from '../helpers/build-app.js'
import { bearer, FORM, form, login, me, registerUser, refreshRequest } from '../helpers/fixtures.js'

const revoke = (fields: Record<string, string>) => ({ method: 'POST' as const, url: '/revoke', headers: FORM, payload: form(fields) })
const refresh = refreshRequest

test('POST /revoke with a refresh token ends its session: access token fails at the next request', async (t) => {
  const { app } = await buildTestApp(t)
  await registerUser(app)
  const tokens = await login(app)
  const other = await login(app)
  const res = await app.inject(revoke({ token: tokens.refresh_token, token_type_hint: 'refresh_token' }))
  assert.equal(res.statusCode, 200)
  assert.equal((await me(app, tokens.access_token)).statusCode, 401)
  assert.equal((await app.inject(refresh(tokens.refresh_token))).statusCode, 400)
  assert.equal((await me(app, other.access_token)).statusCode, 200, 'only that session ends')
})

test('POST /revoke answers 200 for unknown or malformed tokens (RFC 7009 §2.2)', async (t) => {
  const { app } = await buildTestApp(t)
  for (const token of ['nope', 'x'.repeat(43), 'a.b.c', ' ']) {
    const res = await app.inject(revoke({ token }))
    assert.equal(res.statusCode, 200, token)
  }
  const missing = await app.inject(revoke({}))
  assert.equal(missing.statusCode, 422)
  assert.deepEqual(missing.json().detail[0].loc, ['body', 'token'])
})

test('POST /revoke with an access token (even with a wrong hint) ends its session', async (t) => {
  const { app } = await buildTestApp(t)
  await registerUser(app)
  const tokens = await login(app)
  assert.equal((await app.inject(revoke({ token: tokens.access_token, token_type_hint: 'refresh_token' }))).statusCode, 200)
  assert.equal((await me(app, tokens.access_token)).statusCode, 401)
  assert.equal((await app.inject(refresh(tokens.refresh_token))).statusCode, 400)
})

test('POST /revoke accepts JSON too', async (t) => {
  const { app } = await buildTestApp(t)
  await registerUser(app)
  const tokens = await login(app)
  const res = await app.inject({ method: 'POST', url: '/revoke', payload: { token: tokens.refresh_token } })
  assert.equal(res.statusCode, 200)
  assert.equal((await me(app, tokens.access_token)).statusCode, 401)
})

test('POST /logout ends the presented session only', async (t) => {
  const { app } = await buildTestApp(t)
  await registerUser(app)
  const tokens = await login(app)
  const other = await login(app)
  const res = await app.inject({ method: 'POST', url: '/logout', headers: bearer(tokens.access_token) })
  assert.equal(res.statusCode, 204)
  assert.equal(res.body, '')
  assert.equal((await me(app, tokens.access_token)).statusCode, 401)
  assert.equal((await app.inject(refresh(tokens.refresh_token))).statusCode, 400)
  assert.equal((await me(app, other.access_token)).statusCode, 200)
  const again = await app.inject({ method: 'POST', url: '/logout', headers: bearer(tokens.access_token) })
  assert.equal(again.statusCode, 401)
  const anon = await app.inject({ method: 'POST', url: '/logout' })
  assert.equal(anon.statusCode, 401)
  assert.deepEqual(anon.json(), { detail: 'Not authenticated' })
})
