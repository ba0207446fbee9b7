import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildTestApp } from '../helpers/build-app.js'
import { adminLogin, bearer, FORM, login, registerUser } from '../helpers/fixtures.js'

test('security headers on every answer: CSP, no framing, nosniff, no referrer; no HSTS over plain HTTP', async (t) => {
  const { app } = await buildTestApp(t)
  for (const url of ['/', '/docs', '/nowhere', '/.well-known/jwks.json']) {
    const res = await app.inject({ method: 'GET', url })
    assert.match(res.headers['content-security-policy'] as string, /default-src 'self'.*frame-ancestors 'none'/, url)
    assert.equal(res.headers['x-frame-options'], 'DENY', url)
    assert.equal(res.headers['x-content-type-options'], 'nosniff', url)
    assert.equal(res.headers['referrer-policy'], 'no-referrer', url)
    assert.equal(res.headers['strict-transport-security'], undefined, url)
    assert.ok(res.headers['x-request-id'], url)
  }
})

test("HSTS over HTTPS only: from a trusted proxy that says https; never on a client's own claim", async (t) => {
  const { app } = await buildTestApp(t, { TRUST_PROXY: '127.0.0.1' })
  const via = (remoteAddress: string) => app.inject({ method: 'GET', url: '/', remoteAddress, headers: { 'x-forwarded-proto': 'https' } })
  assert.equal((await via('127.0.0.1')).headers['strict-transport-security'], 'max-age=31536000; includeSubDomains')
  assert.equal((await via('203.0.113.1')).headers['strict-transport-security'], undefined)
})

test('Cache-Control: no-store on every answer with personal data or tokens, errors included; public keys are cacheable', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const admin = await adminLogin(app, deps)
  await registerUser(app)
  const tokens = await login(app)
  const answers = [
    await app.inject({ method: 'GET', url: '/users/me', headers: bearer(tokens.access_token) }),
    await app.inject({ method: 'GET', url: '/users/me' }),
    await app.inject({ method: 'GET', url: '/users/me/sessions', headers: bearer(tokens.access_token) }),
    await app.inject({ method: 'PATCH', url: '/users/me', headers: bearer(tokens.access_token), payload: { email: 'nope' } }),
    await app.inject({ method: 'POST', url: '/register', payload: { username: 'bob', password: 'bobs own passphrase' } }),
    await app.inject({ method: 'POST', url: '/register', payload: { username: 'bob' } }),
    await app.inject({ method: 'POST', url: '/token', headers: FORM, payload: 'username=bob' }),
    await app.inject({ method: 'GET', url: '/admin/users', headers: bearer(admin.access_token) }),
    await app.inject({ method: 'GET', url: '/admin/audit', headers: bearer(admin.access_token) }),
    await app.inject({ method: 'GET', url: '/nowhere' }),
  ]
  for (const res of answers) assert.equal(res.headers['cache-control'], 'no-store', `${res.statusCode} ${res.body.slice(0, 60)}`)
  const jwks = await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })
  assert.equal(jwks.headers['cache-control'], 'public, max-age=300')
})

test('CORS is off unless CORS_ORIGINS lists origins; then only those get access, without credentials', async (t) => {
  const preflight = (app: Awaited<ReturnType<typeof buildTestApp>>['app'], origin: string) =>
    app.inject({
      method: 'OPTIONS',
      url: '/token',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    })
  const off = await buildTestApp(t)
  assert.equal((await preflight(off.app, 'https://app.example.com')).headers['access-control-allow-origin'], undefined)
  const on = await buildTestApp(t, { CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' })
  const allowed = await preflight(on.app, 'https://app.example.com')
  assert.equal(allowed.headers['access-control-allow-origin'], 'https://app.example.com')
  assert.equal(allowed.headers['access-control-allow-credentials'], undefined)
  assert.equal((await preflight(on.app, 'https://evil.example')).headers['access-control-allow-origin'], undefined)
  const simple = await on.app.inject({ method: 'GET', url: '/', headers: { origin: 'http://localhost:5173' } })
  assert.equal(simple.headers['access-control-allow-origin'], 'http://localhost:5173')
})
