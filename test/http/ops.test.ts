import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { buildTestApp } from '../helpers/build-app.js'
import { FORM, form, login, registerUser } from '../helpers/fixtures.js'

test('GET / welcomes, as the tutorial does', async (t) => {
  const { app } = await buildTestApp(t)
  const res = await app.inject({ method: 'GET', url: '/' })
  assert.equal(res.statusCode, 200)
  assert.deepEqual(res.json(), { message: 'Welcome to Gatehouse!' })
  assert.equal(res.headers['x-content-type-options'], 'nosniff')
  assert.equal(res.headers['x-frame-options'], 'DENY')
})

test('x-request-id is echoed when sane and generated otherwise', async (t) => {
  const { app } = await buildTestApp(t)
  const echoed = await app.inject({ method: 'GET', url: '/', headers: { 'x-request-id': 'abc-123' } })
  assert.equal(echoed.headers['x-request-id'], 'abc-123')
  const insane = await app.inject({ method: 'GET', url: '/', headers: { 'x-request-id': 'bad id\twith spaces' } })
  assert.match(insane.headers['x-request-id'] as string, /^[0-9a-f-]{36}$/)
  const fresh = await app.inject({ method: 'GET', url: '/nowhere' })
  assert.match(fresh.headers['x-request-id'] as string, /^[0-9a-f-]{36}$/)
})

test('unknown paths → JSON 404', async (t) => {
  const { app } = await buildTestApp(t)
  const res = await app.inject({ method: 'GET', url: '/nope' })
  assert.equal(res.statusCode, 404)
  assert.deepEqual(res.json(), { detail: 'Not Found' })
})

test('a known path with the wrong method → 405 with Allow, as FastAPI does', async (t) => {
  const { app } = await buildTestApp(t)
  const res = await app.inject({ method: 'PUT', url: '/token' })
  assert.equal(res.statusCode, 405)
  assert.deepEqual(res.json(), { detail: 'Method Not Allowed' })
  assert.equal(res.headers.allow, 'POST')
  const me = await app.inject({ method: 'POST', url: '/users/me' })
  assert.equal(me.statusCode, 405)
  assert.equal(me.headers.allow, 'GET, HEAD, PATCH, DELETE')
})

test('a malformed URL → 400 with a detail and a request id', async (t) => {
  const { app } = await buildTestApp(t)
  const res = await app.inject({ method: 'GET', url: '/users/%E0%A4%A' })
  assert.equal(res.statusCode, 400)
  assert.deepEqual(res.json(), { detail: 'Bad Request: malformed URL' })
  assert.ok(res.headers['x-request-id'])
})

test('healthz and readyz', async (t) => {
  const { app, deps } = await buildTestApp(t)
  assert.deepEqual((await app.inject({ method: 'GET', url: '/healthz' })).json(), { status: 'ok' })
  assert.deepEqual((await app.inject({ method: 'GET', url: '/readyz' })).json(), { status: 'ready', checks: { database: 'up', redis: 'off' } })
  await deps.store.close()
  const down = await app.inject({ method: 'GET', url: '/readyz' })
  assert.equal(down.statusCode, 503)
  assert.deepEqual(down.json(), { detail: 'Storage unavailable', status: 'unavailable', checks: { database: 'down', redis: 'off' } })
})

test('metrics count requests by route, security events by type, and hash durations', async (t) => {
  const { app } = await buildTestApp(t)
  await registerUser(app)
  await login(app)
  await app.inject({ method: 'POST', url: '/token', headers: FORM, payload: form({ username: 'alice', password: 'wrong password' }) })
  await app.inject({ method: 'GET', url: '/users/123456' })
  await app.inject({ method: 'GET', url: '/' })
  const res = await app.inject({ method: 'GET', url: '/metrics' })
  assert.equal(res.statusCode, 200)
  assert.match(res.headers['content-type'] as string, /^text\/plain/)
  const text = res.body
  assert.match(text, /gatehouse_http_requests_total\{method="POST",route="\/register",status="201"\} 1/)
  assert.match(text, /gatehouse_events_total\{type="login.succeeded"\} 1/)
  assert.match(text, /gatehouse_events_total\{type="login.failed"\} 1/)
  assert.match(text, /gatehouse_password_hash_duration_seconds_count\{op="hash"\} 1/)
  assert.match(text, /gatehouse_http_request_duration_seconds_count\{method="GET",route="\/"\} 1/)
  assert.match(text, /gatehouse_http_requests_total\{method="GET",route="unmatched",status="404"\} 1/)
  assert.ok(!text.includes('/users/123456'), 'raw paths never become labels')
})

test('/docs serves Swagger UI and /openapi.json wires Authorize to the password flow', async (t) => {
  const { app } = await buildTestApp(t)
  const docs = await app.inject({ method: 'GET', url: '/docs/' })
  assert.equal(docs.statusCode, 200)
  assert.match(docs.body, /swagger/i)
  const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json()
  assert.match(spec.openapi, /^3\./)
  assert.equal(spec.info.version, JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')).version, 'the package version')
  assert.equal(spec.components.securitySchemes.OAuth2PasswordBearer.flows.password.tokenUrl, '/token')
  for (const path of ['/register', '/token', '/users/me', '/revoke', '/logout']) assert.ok(spec.paths[path], path)
  assert.deepEqual(spec.paths['/users/me'].get.security, [{ OAuth2PasswordBearer: [] }])
})

// @see issue 13: /docs showed Fastify's logo, title "Swagger UI", and read its spec from /docs/json.
test("/docs is Gatehouse's (title, logo, favicon) and Swagger UI reads the documented /openapi.json", async (t) => {
  const { app } = await buildTestApp(t)
  const page = (await app.inject({ method: 'GET', url: '/docs/' })).body
  assert.match(page, /<title>Gatehouse API<\/title>/)
  assert.match(page, /<link rel="icon" type="image\/svg\+xml" href="\.\/static\/theme\/favicon\.svg"/)
  assert.doesNotMatch(page, /favicon-32x32\.png/, "not the plugin's favicon")
  const favicon = await app.inject({ method: 'GET', url: '/docs/static/theme/favicon.svg' })
  assert.deepEqual([favicon.statusCode, favicon.headers['content-type']], [200, 'image/svg+xml'])

  const init = (await app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' })).body
  // Swagger UI ignores `url` (the plugin's ./json) when `urls` is given: the spec comes from here.
  assert.match(init, /"urls":\[\{"url":"\/openapi\.json","name":"Gatehouse API \(\/openapi\.json\)"\}\]/)
  const logo = Buffer.from(/img\.src = 'data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)'/.exec(init)![1]!, 'base64').toString()
  assert.match(logo, />Gatehouse<\/text>/)
  const fastifyLogo = readFileSync(join(import.meta.dirname, '..', '..', 'node_modules', '@fastify', 'swagger-ui', 'static', 'logo.svg'), 'utf8')
  assert.notEqual(logo, fastifyLogo)

  const spec = await app.inject({ method: 'GET', url: '/openapi.json' })
  assert.equal(spec.json().info.title, 'Gatehouse')
  assert.deepEqual((await app.inject({ method: 'GET', url: '/docs/json' })).json(), spec.json(), '/docs/json still answers, with the same document')
})

test('METRICS_TOKEN: /metrics needs the bearer token; METRICS_PORT takes /metrics off the API port', async (t) => {
  const token = 't'.repeat(40)
  const { app } = await buildTestApp(t, { METRICS_TOKEN: token })
  assert.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 401)
  assert.equal((await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${'t'.repeat(39)}x` } })).statusCode, 401)
  const ok = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${token}` } })
  assert.equal(ok.statusCode, 200)
  assert.match(ok.body, /gatehouse_/)
  const { app: moved } = await buildTestApp(t, { METRICS_PORT: '9464' })
  assert.equal((await moved.inject({ method: 'GET', url: '/metrics' })).statusCode, 404)
})
