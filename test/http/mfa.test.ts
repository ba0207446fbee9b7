// TOTP (RFC 6238) through the API: enrolment, both sign-in paths, replay, recovery codes, amr.
// @see issue 12
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { hashRecoveryCode, normalizeRecoveryCode } from '../../src/authn/factors/recovery-code.js'
import { buildTestApp, testClock } from '../helpers/build-app.js'
import { adminLogin, auditTypes, bearer, decodeJwt, login, me, PASSWORD, registerUser, refreshRequest } from '../helpers/fixtures.js'
import { aliceWithTotp, mfaGrant, passwordGrant, totpCodeAt } from '../helpers/mfa.js'

test('enrolment: secret, otpauth URI and QR code; MFA is on only after a right code, with 10 single-view recovery codes', async (t) => {
  const clock = testClock()
  const { app } = await buildTestApp(t, {}, { clock })
  await registerUser(app)
  const { access_token } = await login(app)
  const wrongPassword = await app.inject({
    method: 'POST',
    url: '/users/me/mfa/totp',
    headers: bearer(access_token),
    payload: { password: 'not the password' },
  })
  assert.equal(wrongPassword.statusCode, 403)
  const start = await app.inject({ method: 'POST', url: '/users/me/mfa/totp', headers: bearer(access_token), payload: { password: PASSWORD } })
  assert.equal(start.statusCode, 200)
  assert.equal(start.headers['cache-control'], 'no-store')
  const { secret, otpauth_uri, qr_svg } = start.json()
  assert.match(secret, /^[A-Z2-7]{32}$/)
  assert.match(otpauth_uri, /^otpauth:\/\/totp\/Gatehouse:alice\?issuer=Gatehouse&secret=[A-Z2-7]+&algorithm=SHA1&digits=6&period=30$/)
  assert.match(qr_svg, /^<svg[^>]*>.*<\/svg>\s*$/s)
  assert.deepEqual((await me(app, access_token)).json().mfa, { totp: false }, 'not on before confirmation')
  assert.equal((await passwordGrant(app)).statusCode, 200, 'a pending enrolment does not ask for a code')

  const wrong = await app.inject({ method: 'POST', url: '/users/me/mfa/totp/confirm', headers: bearer(access_token), payload: { code: '000000' } })
  assert.equal(wrong.statusCode, 400)
  assert.deepEqual((await me(app, access_token)).json().mfa, { totp: false })

  const ok = await app.inject({
    method: 'POST',
    url: '/users/me/mfa/totp/confirm',
    headers: bearer(access_token),
    payload: { code: totpCodeAt(secret, clock()) },
  })
  assert.equal(ok.statusCode, 200)
  const codes = ok.json().recovery_codes as string[]
  assert.equal(codes.length, 10)
  assert.equal(new Set(codes).size, 10)
  for (const c of codes) assert.match(c, /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){5}$/, 'six groups: 120 random bits')
  assert.deepEqual((await me(app, access_token)).json().mfa, { totp: true })
  const again = await app.inject({ method: 'POST', url: '/users/me/mfa/totp', headers: bearer(access_token), payload: { password: PASSWORD } })
  assert.equal(again.statusCode, 400, 'a second enrolment while on is refused')
})

test('control: without MFA the password grant signs in with amr ["pwd"]', async (t) => {
  const { app } = await buildTestApp(t)
  await registerUser(app)
  const res = await passwordGrant(app)
  assert.equal(res.statusCode, 200)
  assert.deepEqual(decodeJwt(res.json().access_token).payload.amr, ['pwd'])
})

test('with MFA: the right password alone gets 403 mfa_required and an mfa_token; a wrong one gets the usual 401', async (t) => {
  const clock = testClock()
  const { app } = await buildTestApp(t, {}, { clock })
  await aliceWithTotp(app, clock)
  const wrong = await passwordGrant(app, { password: 'not the password' })
  assert.equal(wrong.statusCode, 401)
  assert.deepEqual(wrong.json(), { detail: 'Invalid credentials', error: 'invalid_grant' })
  const res = await passwordGrant(app)
  assert.equal(res.statusCode, 403)
  assert.equal(res.headers['cache-control'], 'no-store')
  const body = res.json()
  assert.equal(body.error, 'mfa_required')
  assert.equal(typeof body.detail, 'string')
  assert.match(body.mfa_token, /^[A-Za-z0-9_-]{43}$/)
  assert.deepEqual(Object.keys(body).sort(), ['detail', 'error', 'mfa_token'])
})

test('one step: password + otp -> tokens with amr pwd+otp, kept across refresh', async (t) => {
  const clock = testClock()
  const { app } = await buildTestApp(t, {}, { clock })
  const { secret } = await aliceWithTotp(app, clock)
  clock.advance(30)
  const res = await passwordGrant(app, { otp: totpCodeAt(secret, clock()) })
  assert.equal(res.statusCode, 200, res.body)
  assert.deepEqual(decodeJwt(res.json().access_token).payload.amr, ['pwd', 'otp', 'mfa'])
  const refreshed = await app.inject(refreshRequest(res.json().refresh_token))
  assert.equal(refreshed.statusCode, 200)
  assert.deepEqual(decodeJwt(refreshed.json().access_token).payload.amr, ['pwd', 'otp', 'mfa'])
  assert.equal((await passwordGrant(app, { otp: '123456'.replace(/./g, (d) => String((Number(d) + 5) % 10)) })).statusCode, 401, 'a wrong code is 401')
})

test('two steps: mfa_token + otp -> tokens; the mfa_token works once and expires after 5 minutes', async (t) => {
  const clock = testClock()
  const { app } = await buildTestApp(t, {}, { clock })
  const { secret } = await aliceWithTotp(app, clock)
  clock.advance(30)
  const mfaToken = (await passwordGrant(app)).json().mfa_token as string
  const wrong = await mfaGrant(app, { mfa_token: mfaToken, otp: totpCodeAt(secret, new Date(clock().getTime() + 600_000)) })
  assert.equal(wrong.statusCode, 401)
  assert.equal(wrong.json().error, 'invalid_grant')
  const ok = await mfaGrant(app, { mfa_token: mfaToken, otp: totpCodeAt(secret, clock()) })
  assert.equal(ok.statusCode, 200, ok.body)
  assert.deepEqual(decodeJwt(ok.json().access_token).payload.amr, ['pwd', 'otp', 'mfa'])
  clock.advance(30)
  const reused = await mfaGrant(app, { mfa_token: mfaToken, otp: totpCodeAt(secret, clock()) })
  assert.equal(reused.statusCode, 400)
  assert.equal(reused.json().error, 'invalid_grant')

  clock.advance(30)
  const later = (await passwordGrant(app)).json().mfa_token as string
  clock.advance(301)
  const expired = await mfaGrant(app, { mfa_token: later, otp: totpCodeAt(secret, clock()) })
  assert.equal(expired.statusCode, 400)
  assert.equal((await mfaGrant(app, { mfa_token: 'x'.repeat(43), otp: '123456' })).statusCode, 400, 'unknown mfa_token')
  assert.equal((await mfaGrant(app, {})).statusCode, 422, 'mfa_token missing')
})

test('a password change (or reset) voids an mfa_token issued before it', async (t) => {
  const clock = testClock()
  const { app } = await buildTestApp(t, {}, { clock })
  const { secret, tokens } = await aliceWithTotp(app, clock)
  const mfaToken = (await passwordGrant(app)).json().mfa_token as string
  clock.advance(30)
  const change = await app.inject({
    method: 'POST',
    url: '/users/me/password',
    headers: bearer(tokens.access_token),
    payload: { current_password: PASSWORD, new_password: 'a brand new passphrase', otp: totpCodeAt(secret, clock()) },
  })
  assert.equal(change.statusCode, 204, change.body)
  clock.advance(30)
  assert.equal((await mfaGrant(app, { mfa_token: mfaToken, otp: totpCodeAt(secret, clock()) })).statusCode, 400)
})

test('a code is accepted once: replayed within its window, or an older one after it, is refused', async (t) => {
  const clock = testClock()
  const { app } = await buildTestApp(t, {}, { clock })
  const { secret } = await aliceWithTotp(app, clock)
  clock.advance(60)
  const code = totpCodeAt(secret, clock())
  assert.equal((await passwordGrant(app, { otp: code })).statusCode, 200)
  assert.equal((await passwordGrant(app, { otp: code })).statusCode, 401, 'same code again')
  const older = totpCodeAt(secret, new Date(clock().getTime() - 30_000))
  assert.equal((await passwordGrant(app, { otp: older })).statusCode, 401, 'the previous step after a newer one')
  clock.advance(30)
  assert.equal((await passwordGrant(app, { otp: totpCodeAt(secret, clock()) })).statusCode, 200, 'the next step works')
})

test('recovery codes: each works once, in either path, and is audited', async (t) => {
  const clock = testClock()
  const { app, deps } = await buildTestApp(t, {}, { clock })
  const { recoveryCodes } = await aliceWithTotp(app, clock)
  const one = await passwordGrant(app, { recovery_code: recoveryCodes[0]!.toLowerCase() })
  assert.equal(one.statusCode, 200, 'case and dashes do not matter')
  assert.deepEqual(decodeJwt(one.json().access_token).payload.amr, ['pwd', 'otp', 'mfa'])
  assert.equal((await passwordGrant(app, { recovery_code: recoveryCodes[0]! })).statusCode, 401, 'spent')
  const mfaToken = (await passwordGrant(app)).json().mfa_token as string
  assert.equal((await mfaGrant(app, { mfa_token: mfaToken, recovery_code: recoveryCodes[1]! })).statusCode, 200)
  const admin = await adminLogin(app, deps)
  assert.deepEqual(await auditTypes(app, admin.access_token, '&type=mfa.recovery_used'), ['mfa.recovery_used', 'mfa.recovery_used'])
})

test('recovery codes issued before 120-bit codes (12 symbols) still work until regenerated; other lengths are refused', async (t) => {
  const clock = testClock()
  const { app, deps } = await buildTestApp(t, {}, { clock })
  const { id } = await aliceWithTotp(app, clock)
  const legacy = 'ABCD-EFGH-JKMN'
  await deps.store.replaceRecoveryCodes(id, [hashRecoveryCode(id, normalizeRecoveryCode(legacy)!)], clock())
  assert.equal((await passwordGrant(app, { recovery_code: 'ABCD-EFGH-JKM' })).statusCode, 401, 'control: a prefix is not a code')
  assert.equal((await passwordGrant(app, { recovery_code: legacy })).statusCode, 200)
  assert.equal((await passwordGrant(app, { recovery_code: legacy })).statusCode, 401, 'spent')
})

test('new recovery codes need the password and the current code; the old ones stop working', async (t) => {
  const clock = testClock()
  const { app } = await buildTestApp(t, {}, { clock })
  const { secret, recoveryCodes, tokens } = await aliceWithTotp(app, clock)
  const url = '/users/me/mfa/recovery-codes'
  const noCode = await app.inject({ method: 'POST', url, headers: bearer(tokens.access_token), payload: { password: PASSWORD } })
  assert.equal(noCode.statusCode, 403)
  assert.equal(noCode.json().error, 'mfa_required')
  clock.advance(30)
  const res = await app.inject({ method: 'POST', url, headers: bearer(tokens.access_token), payload: { password: PASSWORD, otp: totpCodeAt(secret, clock()) } })
  assert.equal(res.statusCode, 200)
  const fresh = res.json().recovery_codes as string[]
  assert.equal(fresh.length, 10)
  assert.equal((await passwordGrant(app, { recovery_code: recoveryCodes[2]! })).statusCode, 401, 'an old code')
  assert.equal((await passwordGrant(app, { recovery_code: fresh[0]! })).statusCode, 200, 'a new code')
})

test('turning MFA off needs the password and the current factor; afterwards the password signs in alone', async (t) => {
  const clock = testClock()
  const { app, deps } = await buildTestApp(t, {}, { clock })
  const { secret, tokens } = await aliceWithTotp(app, clock)
  const del = (payload: Record<string, string>) => app.inject({ method: 'DELETE', url: '/users/me/mfa/totp', headers: bearer(tokens.access_token), payload })
  assert.equal((await del({ password: PASSWORD })).statusCode, 403, 'no code')
  clock.advance(30)
  assert.equal((await del({ password: 'not the password', otp: totpCodeAt(secret, clock()) })).statusCode, 403, 'wrong password')
  assert.equal((await del({ password: PASSWORD, otp: '000000' })).statusCode, 403, 'wrong code')
  clock.advance(30)
  assert.equal((await del({ password: PASSWORD, otp: totpCodeAt(secret, clock()) })).statusCode, 204)
  assert.deepEqual((await me(app, tokens.access_token)).json().mfa, { totp: false })
  assert.equal((await passwordGrant(app)).statusCode, 200)
  const admin = await adminLogin(app, deps)
  assert.deepEqual(await auditTypes(app, admin.access_token, '&type=mfa.disabled'), ['mfa.disabled'])
  assert.deepEqual(await auditTypes(app, admin.access_token, '&type=mfa.enabled'), ['mfa.enabled'])
})

test('changing the password or the email, or deleting the account, needs the current code when MFA is on', async (t) => {
  const clock = testClock()
  const { app } = await buildTestApp(t, {}, { clock })
  const { tokens } = await aliceWithTotp(app, clock)
  const h = bearer(tokens.access_token)
  const pw = await app.inject({
    method: 'POST',
    url: '/users/me/password',
    headers: h,
    payload: { current_password: PASSWORD, new_password: 'a brand new passphrase' },
  })
  assert.equal(pw.statusCode, 403)
  assert.equal(pw.json().error, 'mfa_required')
  const email = await app.inject({ method: 'PATCH', url: '/users/me', headers: h, payload: { email: 'new@example.com', current_password: PASSWORD } })
  assert.equal(email.statusCode, 403)
  const gone = await app.inject({ method: 'DELETE', url: '/users/me', headers: h, payload: { password: PASSWORD } })
  assert.equal(gone.statusCode, 403)
  assert.equal((await me(app, tokens.access_token)).statusCode, 200, 'nothing changed')
})
