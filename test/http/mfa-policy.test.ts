// MFA rules: code guessing backs off like password guessing, requireAmr, MFA_REQUIRED_ROLES,
// admin reset and unlock, secrets at rest, replay across instances. @see issue 12
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import Database from 'better-sqlite3'
import { requireAmr } from '../../src/http/auth.js'
import { buildTestApp, testClock } from '../helpers/build-app.js'
import { adminLogin, ADMIN_PASSWORD, auditTypes, bearer, decodeJwt, login, me, PASSWORD, registerUser } from '../helpers/fixtures.js'
import { aliceWithTotp, enrolTotp, mfaGrant, passwordGrant, totpCodeAt } from '../helpers/mfa.js'
import { TEST_ON_POSTGRES } from '../helpers/postgres.js'

test('control: a few wrong codes do not block the right one', async (t) => {
  const clock = testClock()
  const { app } = await buildTestApp(t, { RATE_LIMIT: 'on' }, { clock })
  const { secret } = await aliceWithTotp(app, clock)
  const mfaToken = (await passwordGrant(app)).json().mfa_token as string
  for (let i = 0; i < 2; i++) assert.equal((await mfaGrant(app, { mfa_token: mfaToken, otp: '000000' })).statusCode, 401)
  clock.advance(30)
  assert.equal((await mfaGrant(app, { mfa_token: mfaToken, otp: totpCodeAt(secret, clock()) })).statusCode, 200)
})

test('code guessing spends the account sign-in budget: 429 even for the right code, and re-entering the password does not reset it', async (t) => {
  const clock = testClock()
  const { app } = await buildTestApp(t, { RATE_LIMIT: 'on' }, { clock })
  const { secret } = await aliceWithTotp(app, clock)
  let locked = null
  for (let i = 0; i < 12 && !locked; i++) {
    // Each round: the right password (a fresh mfa_token), then a wrong code.
    const first = await passwordGrant(app, {}, `198.51.100.${i}`)
    if (first.statusCode === 429) locked = first
    else {
      assert.equal(first.statusCode, 403, first.body)
      // From another address each time: the per-account budget, not the per-address one, must stop it.
      const guess = await mfaGrant(app, { mfa_token: first.json().mfa_token, otp: '000000' }, `203.0.113.${i}`)
      if (guess.statusCode === 429) locked = guess
      else assert.equal(guess.statusCode, 401)
    }
  }
  assert.ok(locked, 'the back-off started within 10 failures')
  assert.ok(Number(locked.headers['retry-after']) >= 1)
  // The next step's code: valid (within the window, never used) but for the back-off.
  const right = await passwordGrant(app, { otp: totpCodeAt(secret, new Date(clock().getTime() + 30_000)) }, '192.0.2.1')
  assert.equal(right.statusCode, 429, 'the right password and code wait out the back-off too')
})

test('requireAmr on an integrator route: a password-only token gets 401 insufficient_user_authentication, an MFA one passes', async (t) => {
  const clock = testClock()
  const { app, deps } = await buildTestApp(t, {}, { clock })
  app.get('/sensitive', { preHandler: requireAmr(deps, 'otp') }, async () => ({ ok: true }))
  await registerUser(app)
  const pwd = await login(app)
  const weak = await app.inject({ method: 'GET', url: '/sensitive', headers: bearer(pwd.access_token) })
  assert.equal(weak.statusCode, 401)
  assert.match(String(weak.headers['www-authenticate']), /error="insufficient_user_authentication"/)
  assert.equal((await app.inject({ method: 'GET', url: '/sensitive' })).statusCode, 401, 'no token')
  const { secret } = await enrolTotp(app, pwd.access_token, clock)
  clock.advance(30)
  const strong = (await passwordGrant(app, { otp: totpCodeAt(secret, clock()) })).json().access_token as string
  const ok = await app.inject({ method: 'GET', url: '/sensitive', headers: bearer(strong) })
  assert.equal(ok.statusCode, 200)
  assert.equal((await app.inject({ method: 'GET', url: '/sensitive', headers: bearer(pwd.access_token) })).statusCode, 401, 'the old token still is not enough')
})

test('MFA_REQUIRED_ROLES=admin: an admin without a factor is told to enrol and gets no admin scope until signing in with it', async (t) => {
  const clock = testClock()
  const { app, deps } = await buildTestApp(t, { MFA_REQUIRED_ROLES: 'admin' }, { clock })
  const root = await registerUser(app, { username: 'root', password: ADMIN_PASSWORD })
  await deps.store.updateUser(root.id, { roles: ['user', 'admin'] }, clock())
  const first = await passwordGrant(app, { username: 'root', password: ADMIN_PASSWORD })
  assert.equal(first.statusCode, 200)
  assert.equal(first.json().scope, 'user')
  assert.equal(first.json().mfa_enrollment_required, true)
  const token = first.json().access_token as string
  assert.equal((await app.inject({ method: 'GET', url: '/admin/users', headers: bearer(token) })).statusCode, 403)
  assert.equal((await passwordGrant(app, { username: 'root', password: ADMIN_PASSWORD, scope: 'admin' })).statusCode, 400, 'invalid_scope')
  const { secret } = await enrolTotp(app, token, clock, ADMIN_PASSWORD)
  clock.advance(30)
  const strong = await passwordGrant(app, { username: 'root', password: ADMIN_PASSWORD, otp: totpCodeAt(secret, clock()) })
  assert.equal(strong.json().scope, 'user admin')
  assert.equal(strong.json().mfa_enrollment_required, undefined)
  assert.equal((await app.inject({ method: 'GET', url: '/admin/users', headers: bearer(strong.json().access_token) })).statusCode, 200)
  assert.equal(
    (await app.inject({ method: 'GET', url: '/admin/users', headers: bearer(token) })).statusCode,
    403,
    'the password-only session stays without admin',
  )
})

test('an admin resets a user MFA (audited) and lifts a back-off; both 404 for an unknown user', async (t) => {
  const clock = testClock()
  const { app, deps } = await buildTestApp(t, { RATE_LIMIT: 'on' }, { clock })
  const alice = await aliceWithTotp(app, clock)
  const admin = await adminLogin(app, deps)
  const h = bearer(admin.access_token)
  const view = await app.inject({ method: 'GET', url: `/admin/users/${alice.id}`, headers: h })
  assert.deepEqual(view.json().mfa, { totp: true })
  assert.equal((await app.inject({ method: 'DELETE', url: `/admin/users/${alice.id}/mfa`, headers: h })).statusCode, 204)
  assert.equal((await app.inject({ method: 'DELETE', url: `/admin/users/${alice.id}/mfa`, headers: h })).statusCode, 400, 'nothing left to reset')
  assert.deepEqual((await me(app, alice.tokens.access_token)).json().mfa, { totp: false })
  assert.equal((await passwordGrant(app)).statusCode, 200, 'the password alone signs in again')

  for (let i = 0; i < 10; i++) await passwordGrant(app, { password: 'a wrong guess' }, `203.0.113.${i}`)
  assert.equal((await passwordGrant(app, {}, '203.0.113.50')).statusCode, 429, 'locked')
  assert.equal((await app.inject({ method: 'POST', url: `/admin/users/${alice.id}/unlock`, headers: h })).statusCode, 204)
  assert.equal((await passwordGrant(app, {}, '203.0.113.51')).statusCode, 200, 'unlocked')
  const unknown = '00000000-0000-4000-8000-000000000000'
  assert.equal((await app.inject({ method: 'POST', url: `/admin/users/${unknown}/unlock`, headers: h })).statusCode, 404)
  assert.equal((await app.inject({ method: 'DELETE', url: `/admin/users/${unknown}/mfa`, headers: h })).statusCode, 404)
  assert.deepEqual(await auditTypes(app, admin.access_token, '&type=mfa.reset'), ['mfa.reset'])
  assert.deepEqual(await auditTypes(app, admin.access_token, '&type=user.unlocked'), ['user.unlocked'])
})

/** Every byte SQLite wrote for the database (the file and its WAL). */
const databaseBytes = (dir: string) =>
  Buffer.concat(
    readdirSync(dir)
      .filter((f) => f.startsWith('g.db'))
      .map((f) => readFileSync(join(dir, f))),
  )

test('secrets at rest: with ENCRYPTION_KEY neither the TOTP secret nor the private key is in the database file in clear (control: without it, they are)', async (t) => {
  if (TEST_ON_POSTGRES) return // the file check is SQLite's; the sealing code is the same for both
  for (const encrypted of [false, true]) {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-enc-'))
    const env: Record<string, string> = { DATABASE_URL: `sqlite:${join(dir, 'g.db')}` }
    if (encrypted) env.ENCRYPTION_KEY = randomBytes(32).toString('base64')
    const clock = testClock()
    const { app, deps } = await buildTestApp(t, env, { clock })
    const { secret } = await aliceWithTotp(app, clock)
    const stored = (await deps.store.listSigningKeys())[0]!.privateJwk
    const bytes = databaseBytes(dir)
    assert.equal(bytes.includes(secret), !encrypted, `TOTP secret in clear: ${!encrypted}`)
    if (encrypted) {
      assert.match(stored, /^gh1\./, 'the private key is sealed')
      assert.ok(!bytes.includes('"d":'), 'no private JWK member in the file')
    } else {
      assert.ok(bytes.includes((JSON.parse(stored) as { d: string }).d), 'control: the private key is in clear without a key')
    }
    clock.advance(30)
    assert.equal((await passwordGrant(app, { otp: totpCodeAt(secret, clock()) })).statusCode, 200, 'and it still signs in')
  }
})

test('ENCRYPTION_KEY: a malformed key refuses to start, naming the variable', async (t) => {
  await assert.rejects(buildTestApp(t, { ENCRYPTION_KEY: 'too-short' }), /ENCRYPTION_KEY: must be 32 random bytes/)
})

test('a code used on one instance is refused on another (the replay guard is in the shared store)', async (t) => {
  const clock = testClock()
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-two-'))
  const env: Record<string, string> = TEST_ON_POSTGRES ? {} : { DATABASE_URL: `sqlite:${join(dir, 'g.db')}` }
  const a = await buildTestApp(t, env, { clock })
  const sharedEnv: Record<string, string> = TEST_ON_POSTGRES && a.deps.config.database.kind === 'postgres' ? { DATABASE_URL: a.deps.config.database.url } : env
  const b = await buildTestApp(t, sharedEnv, { clock })
  const { secret } = await aliceWithTotp(a.app, clock)
  clock.advance(30)
  const code = totpCodeAt(secret, clock())
  const onA = await passwordGrant(a.app, { otp: code })
  assert.equal(onA.statusCode, 200)
  assert.deepEqual(decodeJwt(onA.json().access_token).payload.amr, ['pwd', 'otp', 'mfa'])
  assert.equal((await passwordGrant(b.app, { otp: code })).statusCode, 401, 'replayed on the other instance')
})

// @see issue 12 (review): the two-step sign-in of a user whose legacy hash is upgraded in step 1.
test('two steps work when the first step upgrades a legacy bcrypt hash', async (t) => {
  const clock = testClock()
  const { app, deps } = await buildTestApp(t, {}, { clock })
  const { id, secret } = await aliceWithTotp(app, clock)
  const { hash } = await import('@node-rs/bcrypt')
  await deps.store.setPasswordHash(id, await hash(PASSWORD, 4), clock())
  const first = await passwordGrant(app)
  assert.equal(first.statusCode, 403)
  clock.advance(30)
  const second = await mfaGrant(app, { mfa_token: first.json().mfa_token, otp: totpCodeAt(secret, clock()) })
  assert.equal(second.statusCode, 200, second.body)
})

// @see issue 12 (review): codes guessed through re-authentication spend the sign-in budget too.
test('wrong codes on a re-authenticating route back off sign-in for the account as well (control: sign-in works before)', async (t) => {
  const clock = testClock()
  const { app } = await buildTestApp(t, { RATE_LIMIT: 'on' }, { clock })
  const { tokens } = await aliceWithTotp(app, clock)
  assert.equal((await passwordGrant(app, {}, '192.0.2.10')).statusCode, 403, 'control: the password step answers mfa_required')
  for (let i = 0; i < 8; i++) {
    const r = await app.inject({
      method: 'DELETE',
      url: '/users/me/mfa/totp',
      headers: bearer(tokens.access_token),
      payload: { password: PASSWORD, otp: '000000' },
    })
    assert.ok([403, 429].includes(r.statusCode), String(r.statusCode))
  }
  // The re-authentication guesses already spent the account's free failures: sign-in backs off
  // after at most two more wrong codes (without the shared budget it would take six).
  let wrongBeforeLock = 0
  while (wrongBeforeLock < 6 && (await passwordGrant(app, { otp: '000000' }, `192.0.2.${20 + wrongBeforeLock}`)).statusCode === 401) wrongBeforeLock++
  assert.ok(wrongBeforeLock <= 2, `${wrongBeforeLock} wrong codes at sign-in before the back-off`)
  assert.equal((await passwordGrant(app, {}, '192.0.2.99')).statusCode, 429, 'the account backs off from any address')
})

test('a TOTP secret that no longer opens (altered row, lost key) is a 503 and an error log, never a 500 (control: it signs in before)', async (t) => {
  if (TEST_ON_POSTGRES) return // the row is altered through the SQLite file; the mapping is the HTTP layer's
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-enc-'))
  const env = { DATABASE_URL: `sqlite:${join(dir, 'g.db')}`, ENCRYPTION_KEY: randomBytes(32).toString('base64') }
  const clock = testClock()
  const { app } = await buildTestApp(t, env, { clock })
  const { secret } = await aliceWithTotp(app, clock)
  clock.advance(30)
  assert.equal((await passwordGrant(app, { otp: totpCodeAt(secret, clock()) })).statusCode, 200, 'control')
  const db = new Database(join(dir, 'g.db'))
  // Flip the last symbol of the ciphertext: the GCM tag no longer matches.
  db.prepare("UPDATE totp_factors SET secret = substr(secret, 1, length(secret) - 1) || CASE WHEN substr(secret, -1) = 'A' THEN 'B' ELSE 'A' END").run()
  db.close()
  clock.advance(30)
  const res = await passwordGrant(app, { otp: totpCodeAt(secret, clock()) })
  assert.equal(res.statusCode, 503, res.body)
  assert.deepEqual(res.json(), { detail: 'Storage unavailable; retry shortly' })
})
