import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildTestApp } from '../helpers/build-app.js'
import { PASSWORD, registerUser } from '../helpers/fixtures.js'

const post = (payload: unknown) => ({ method: 'POST' as const, url: '/register', payload: payload as object })

test('register returns 201 with the public user and nothing secret', async (t) => {
  const { app } = await buildTestApp(t)
  const res = await app.inject(post({ username: 'alice', email: 'Alice@Example.COM', password: PASSWORD }))
  assert.equal(res.statusCode, 201)
  const body = res.json()
  assert.deepEqual(Object.keys(body).sort(), ['created_at', 'disabled', 'email', 'email_verified', 'id', 'mfa', 'pending_email', 'roles', 'username'])
  assert.match(body.id, /^[0-9a-f-]{36}$/)
  assert.equal(body.username, 'alice')
  assert.equal(body.email, 'Alice@example.com', 'domain lower-cased, local part kept')
  assert.equal(body.email_verified, false)
  assert.deepEqual(body.roles, ['user'])
  assert.equal(body.disabled, false)
  assert.ok(!res.body.includes(PASSWORD) && !res.body.includes('argon2'))
})

test("the tutorial's hashed_password field works as an alias of password", async (t) => {
  const { app } = await buildTestApp(t)
  const res = await app.inject(post({ username: 'bob', email: 'bob@example.com', hashed_password: PASSWORD }))
  assert.equal(res.statusCode, 201)
  const login = await app.inject({ method: 'POST', url: '/token', payload: { username: 'bob', password: PASSWORD } })
  assert.equal(login.statusCode, 200)
})

test('password and hashed_password together → 422', async (t) => {
  const { app } = await buildTestApp(t)
  const res = await app.inject(post({ username: 'bob', password: PASSWORD, hashed_password: PASSWORD }))
  assert.equal(res.statusCode, 422)
  assert.deepEqual(res.json().detail[0].loc, ['body', 'hashed_password'])
})

test('missing fields → 422 in FastAPI shape, every problem at once', async (t) => {
  const { app } = await buildTestApp(t)
  const res = await app.inject(post({}))
  assert.equal(res.statusCode, 422)
  assert.deepEqual(res.json(), { detail: [{ loc: ['body', 'username'], msg: 'Field required', type: 'missing' }] })

  const res2 = await app.inject(post({ username: 'x', email: 'nope' }))
  assert.equal(res2.statusCode, 422)
  const locs = res2.json().detail.map((d: { loc: string[] }) => d.loc.join('.'))
  assert.deepEqual(locs, ['body.username', 'body.email', 'body.password'])
})

test('wrong JSON types → 422, never coerced', async (t) => {
  const { app } = await buildTestApp(t)
  const res = await app.inject(post({ username: 12345, password: PASSWORD }))
  assert.equal(res.statusCode, 422)
  assert.deepEqual(res.json().detail[0], { loc: ['body', 'username'], msg: 'Input should be a valid string', type: 'string_type' })
  const arr = await app.inject(post([1, 2]))
  assert.equal(arr.statusCode, 422)
})

test('duplicate username, in any case → 400 Username already registered', async (t) => {
  const { app } = await buildTestApp(t)
  await registerUser(app, { username: 'alice' })
  for (const username of ['alice', 'ALICE', '  Alice  ']) {
    const res = await app.inject(post({ username, password: 'another good passphrase' }))
    assert.equal(res.statusCode, 400)
    assert.deepEqual(res.json(), { detail: 'Username already registered' })
  }
})

test('duplicate email, in any case → 400 Email already registered', async (t) => {
  const { app } = await buildTestApp(t)
  await registerUser(app, { username: 'alice', email: 'alice@example.com' })
  const res = await app.inject(post({ username: 'alice2', email: 'ALICE@example.com', password: PASSWORD }))
  assert.equal(res.statusCode, 400)
  assert.deepEqual(res.json(), { detail: 'Email already registered' })
})

test('username is trimmed and NFKC-normalised; bad usernames → 422', async (t) => {
  const { app } = await buildTestApp(t)
  const res = await app.inject(post({ username: '  ｃａｒｏｌ_1  ', password: PASSWORD }))
  assert.equal(res.statusCode, 201)
  assert.equal(res.json().username, 'carol_1')
  for (const username of ['ab', 'a'.repeat(65), 'has space', 'émile', 'nul\u0000byte', '<script>']) {
    const bad = await app.inject(post({ username, password: PASSWORD }))
    assert.equal(bad.statusCode, 422, username)
    assert.deepEqual(bad.json().detail[0].loc, ['body', 'username'])
  }
})

test('weak passwords → 422 saying why', async (t) => {
  const { app } = await buildTestApp(t)
  const cases: [string, RegExp][] = [
    ['short1!', /at least 8/],
    ['password123', /too common/],
    ['P@ssw0rd!', /too common/],
    ['dave12345', /username or email/],
    ['Dave_2024!', /username or email/],
    ['davesmith@x', /username or email/],
    ['aaaaaaaaaaaa', /repetitive/],
    ['abcdefghijk', /repetitive|common/],
    ['x'.repeat(1025), /at most 1024/],
  ]
  for (const [password, why] of cases) {
    const res = await app.inject(post({ username: 'dave', email: 'davesmith@example.com', password }))
    assert.equal(res.statusCode, 422, password)
    const [issue] = res.json().detail
    assert.deepEqual(issue.loc, ['body', 'password'])
    assert.match(issue.msg, why, password)
  }
})

test('a 1024-character password is accepted and never truncated', async (t) => {
  const { app } = await buildTestApp(t)
  const long = 'Zq8#' + 'kP3!mW9$'.repeat(127) + 'vR2&'
  assert.equal(long.length, 1024)
  await registerUser(app, { username: 'erin', password: long })
  const ok = await app.inject({ method: 'POST', url: '/token', payload: { username: 'erin', password: long } })
  assert.equal(ok.statusCode, 200)
  // Same first 72 bytes (bcrypt's limit), different tail: must fail.
  const bad = await app.inject({ method: 'POST', url: '/token', payload: { username: 'erin', password: long.slice(0, 100) + 'X'.repeat(924) } })
  assert.equal(bad.statusCode, 401)
})

test('20 concurrent registrations of one name → exactly one 201', async (t) => {
  const { app } = await buildTestApp(t)
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => app.inject(post({ username: i % 2 ? 'Race' : 'race', password: `${PASSWORD} ${i}` }))))
  const codes = results.map((r) => r.statusCode).sort()
  assert.deepEqual(codes, [201, ...Array(19).fill(400)])
  for (const r of results.filter((r) => r.statusCode === 400)) assert.deepEqual(r.json(), { detail: 'Username already registered' })
})

test('REGISTRATION=closed → 403', async (t) => {
  const { app } = await buildTestApp(t, { REGISTRATION: 'closed' })
  const res = await app.inject(post({ username: 'alice', password: PASSWORD }))
  assert.equal(res.statusCode, 403)
  assert.deepEqual(res.json(), { detail: 'Registration is closed' })
})

test('unknown fields are ignored, as FastAPI does', async (t) => {
  const { app } = await buildTestApp(t)
  const res = await app.inject(post({ username: 'frank', password: PASSWORD, roles: ['admin'], disabled: true }))
  assert.equal(res.statusCode, 201)
  assert.deepEqual(res.json().roles, ['user'])
})
