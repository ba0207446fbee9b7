// Adding a passkey is a sensitive change (a user-verifying passkey signs in as two factors, and
// outlives a password change): it takes a fresh, full-strength sign-in or the password (and the
// current code when TOTP is on), as turning TOTP off does. Each attack after a control that passes.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { PASSKEY_ADD_FRESH_SECONDS } from '../../src/passkeys/index.js'
import { buildTestApp, testClock } from '../helpers/build-app.js'
import { adminLogin, bearer, decodeJwt, login, PASSWORD, refreshRequest, registerUser } from '../helpers/fixtures.js'
import { aliceWithTotp, passwordGrant, totpCodeAt } from '../helpers/mfa.js'
import { addPasskey, authenticator, creationOptionsRequest, PASSKEY_ENV, signInWithPasskey } from '../helpers/passkeys.js'

const REAUTH_REQUIRED = {
  detail: 'Confirm it is you: send your password (and a code when two-factor authentication is on) to add a passkey',
}

test('a fresh sign-in adds a passkey without a password; a stale one needs the password (a refresh does not make it fresh)', async (t) => {
  const clock = testClock()
  const { app } = await buildTestApp(t, PASSKEY_ENV, { clock })
  await registerUser(app)
  const tokens = await login(app)
  const fresh = await addPasskey(app, tokens.access_token, authenticator())
  assert.equal(fresh.statusCode, 201, `control: just signed in, no body: ${fresh.body}`)
  assert.equal(PASSKEY_ADD_FRESH_SECONDS, 300)

  clock.advance(PASSKEY_ADD_FRESH_SECONDS)
  assert.equal((await creationOptionsRequest(app, tokens.access_token)).statusCode, 200, 'control: 300 s is still fresh')
  clock.advance(1)
  const stale = await creationOptionsRequest(app, tokens.access_token)
  assert.deepEqual([stale.statusCode, stale.json()], [403, REAUTH_REQUIRED], 'stale: no challenge without the password')
  assert.equal((await creationOptionsRequest(app, tokens.access_token, {})).statusCode, 403, 'an empty body is no proof either')

  // A refresh keeps the session's auth_time: the new token is as stale as the old one.
  const refreshed = (await app.inject(refreshRequest(tokens.refresh_token))).json()
  assert.equal((await creationOptionsRequest(app, refreshed.access_token)).statusCode, 403, 'refreshed: still stale')

  const withPassword = await addPasskey(app, refreshed.access_token, authenticator(), undefined, {}, { password: PASSWORD })
  assert.equal(withPassword.statusCode, 201, withPassword.body)
  const wrong = await creationOptionsRequest(app, refreshed.access_token, { password: 'not the password' })
  assert.deepEqual([wrong.statusCode, wrong.json()], [403, { detail: 'Invalid password' }])
  assert.equal(wrong.headers['cache-control'], 'no-store')

  // A new sign-in is fresh again.
  assert.equal((await addPasskey(app, (await login(app)).access_token, authenticator())).statusCode, 201, 'a new sign-in')
})

test('a wrong password to add a passkey is audited as a failed re-authentication and spends the per-user re-authentication budget', async (t) => {
  const clock = testClock()
  const { app, deps } = await buildTestApp(t, { ...PASSKEY_ENV, RATE_LIMIT: 'on' }, { clock })
  const admin = await adminLogin(app, deps)
  const alice = await registerUser(app)
  const { access_token } = await login(app)
  clock.advance(PASSKEY_ADD_FRESH_SECONDS + 1)
  assert.equal((await creationOptionsRequest(app, access_token, { password: PASSWORD })).statusCode, 200, 'control: the right password')

  const statuses: number[] = []
  for (let i = 0; i < 6; i++) statuses.push((await creationOptionsRequest(app, access_token, { password: `wrong ${i}` })).statusCode)
  assert.deepEqual(statuses, [403, 403, 403, 403, 403, 403], 'five free failures, the sixth starts the back-off')
  const held = await creationOptionsRequest(app, access_token, { password: PASSWORD })
  assert.equal(held.statusCode, 429, 'the back-off holds the right password too')
  assert.ok(Number(held.headers['retry-after']) >= 1)
  // One budget for every re-authentication of the user: starting TOTP enrolment waits as well.
  const enrol = await app.inject({ method: 'POST', url: '/users/me/mfa/totp', headers: bearer(access_token), payload: { password: PASSWORD } })
  assert.equal(enrol.statusCode, 429, 'the re-authentication budget is shared')

  const audit = (
    await app.inject({ method: 'GET', url: `/admin/audit?limit=50&user_id=${alice.id}&type=login.failed`, headers: bearer(admin.access_token) })
  ).json().events as { actor_id: string; subject_id: string; details: Record<string, unknown> }[]
  assert.equal(audit.length, 6)
  for (const e of audit) {
    assert.deepEqual([e.actor_id, e.subject_id, e.details.reason, e.details.during], [alice.id, alice.id, 'wrong_current_password', 'passkey_add'])
  }
  const locked = (await app.inject({ method: 'GET', url: `/admin/audit?user_id=${alice.id}&type=login.locked`, headers: bearer(admin.access_token) })).json()
    .events
  assert.equal(locked.length, 1)
  assert.equal(locked[0].details.during, 'passkey_add')
})

test('TOTP on since sign-in (a password-only session): fresh, it adds a passkey (the flow of the contract); stale, only with the password and a code; a two-factor sign-in is fresh', async (t) => {
  const clock = testClock()
  const { app } = await buildTestApp(t, PASSKEY_ENV, { clock })
  // TOTP enrolled on an existing session: that session signed in with the password alone.
  const { tokens, secret, recoveryCodes } = await aliceWithTotp(app, clock)
  assert.deepEqual(decodeJwt(tokens.access_token).payload.amr, ['pwd'])
  clock.advance(30) // the enrolment spent the current step's code

  const fresh = await creationOptionsRequest(app, tokens.access_token)
  assert.equal(fresh.statusCode, 200, 'sign in, turn TOTP on (with the password), add a passkey: within 5 minutes, no body')
  clock.advance(PASSKEY_ADD_FRESH_SECONDS)
  const noBody = await creationOptionsRequest(app, tokens.access_token)
  assert.deepEqual([noBody.statusCode, noBody.json()], [403, REAUTH_REQUIRED], 'stale')
  const passwordOnly = await creationOptionsRequest(app, tokens.access_token, { password: PASSWORD })
  assert.deepEqual([passwordOnly.statusCode, passwordOnly.json().error], [403, 'mfa_required'], 'the password alone is not enough')
  const wrongCode = await creationOptionsRequest(app, tokens.access_token, { password: PASSWORD, otp: '000000' })
  assert.equal(wrongCode.statusCode, 403)
  assert.equal(wrongCode.json().detail, 'Invalid code')
  const key = authenticator()
  const added = await addPasskey(app, tokens.access_token, key, undefined, {}, { password: PASSWORD, otp: totpCodeAt(secret, clock()) })
  assert.equal(added.statusCode, 201, added.body)
  const byRecovery = await addPasskey(app, tokens.access_token, authenticator(), undefined, {}, { password: PASSWORD, recovery_code: recoveryCodes[0]! })
  assert.equal(byRecovery.statusCode, 201, `a recovery code is the second factor too: ${byRecovery.body}`)

  // Signed in with the password and a code, or with a user-verifying passkey: fresh and two-factor.
  clock.advance(30)
  const twoFactor = (await passwordGrant(app, { otp: totpCodeAt(secret, clock()) })).json()
  assert.ok((decodeJwt(twoFactor.access_token).payload.amr as string[]).includes('mfa'))
  assert.equal((await addPasskey(app, twoFactor.access_token, authenticator())).statusCode, 201, 'password and code: no body needed')
  const { res } = await signInWithPasskey(app, key)
  assert.equal((await addPasskey(app, res.json().access_token, authenticator())).statusCode, 201, 'a passkey sign-in: no body needed')
  clock.advance(PASSKEY_ADD_FRESH_SECONDS + 1)
  assert.equal((await creationOptionsRequest(app, res.json().access_token)).statusCode, 403, 'and stale after 5 minutes')
})

test('the registration itself needs a challenge from the gated options: without one nothing is added', async (t) => {
  const clock = testClock()
  const { app } = await buildTestApp(t, PASSKEY_ENV, { clock })
  await registerUser(app)
  const { access_token } = await login(app)
  assert.equal((await addPasskey(app, access_token, authenticator())).statusCode, 201, 'control')
  clock.advance(PASSKEY_ADD_FRESH_SECONDS + 1)
  assert.equal((await creationOptionsRequest(app, access_token)).statusCode, 403)
  // A response made up for a challenge the server never issued (or a sign-in challenge) is refused.
  const key = authenticator()
  const signIn = (await app.inject({ method: 'POST', url: '/passkeys/options', payload: {} })).json()
  const user = { id: Buffer.alloc(32, 3).toString('base64url') }
  for (const challenge of [Buffer.alloc(32, 9).toString('base64url'), signIn.challenge]) {
    const response = key.create({ challenge, rp: { id: 'example.com' }, user })
    const res = await app.inject({ method: 'POST', url: '/users/me/passkeys', headers: bearer(access_token), payload: { response } })
    assert.equal(res.statusCode, 400, challenge)
  }
  assert.equal((await app.inject({ method: 'GET', url: '/users/me/passkeys', headers: bearer(access_token) })).json().length, 1)
})

test('the options body: malformed values are 422, never a 500; unknown fields are dropped (a client cannot claim its own auth_time)', async (t) => {
  const clock = testClock()
  const { app } = await buildTestApp(t, PASSKEY_ENV, { clock })
  await registerUser(app)
  const { access_token } = await login(app)
  assert.equal((await creationOptionsRequest(app, access_token, { password: PASSWORD })).statusCode, 200, 'control')
  clock.advance(PASSKEY_ADD_FRESH_SECONDS + 1)
  const claims = { auth_time: Math.floor(clock().getTime() / 1000), amr: ['pwd', 'otp', 'mfa'], authTime: clock().toISOString() }
  assert.equal((await creationOptionsRequest(app, access_token, claims as never)).statusCode, 403, 'the session decides, not the body')
  for (const payload of [{ password: 'x'.repeat(5000) }, { password: '' }, { password: 7 }, { password: PASSWORD, otp: 123456 }]) {
    const res = await creationOptionsRequest(app, access_token, payload as never)
    assert.equal(res.statusCode, 422, JSON.stringify(payload).slice(0, 40))
  }
})
