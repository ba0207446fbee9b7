// Passkeys (WebAuthn L3) through the API, with a software authenticator: registration, sign-in
// with and without a username, amr, and every refusal (each attack after a control that passes).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseRegistrationResponse } from '../../src/passkeys/responses.js'
import { buildTestApp, testClock } from '../helpers/build-app.js'
import { adminLogin, auditTypes, bearer, decodeJwt, login, me, PASSWORD, registerUser } from '../helpers/fixtures.js'
import { addPasskey, authenticator, creationOptions, ORIGIN, PASSKEY_ENV, passkeyGrant, requestOptions, signInWithPasskey } from '../helpers/passkeys.js'

test('register -> list -> sign in (discoverable, with or without a username) -> amr on the token, /users/me works; audited', async (t) => {
  const { app, deps } = await buildTestApp(t, PASSKEY_ENV)
  const admin = await adminLogin(app, deps)
  const alice = await registerUser(app)
  const { access_token } = await login(app)

  const options = await creationOptions(app, access_token)
  assert.equal(options.rp.id, 'example.com')
  assert.equal(options.rp.name, 'Gatehouse')
  assert.equal(options.user.name, 'alice')
  assert.notEqual(options.user.id, Buffer.from(alice.id).toString('base64url'), 'the user handle is not the account id')
  assert.match(options.user.id, /^[A-Za-z0-9_-]{43}$/, '32 random bytes')
  assert.equal(options.attestation, 'none')
  assert.deepEqual(options.extensions, { credProps: true }, 'the client is asked whether the credential is discoverable')
  assert.deepEqual(options.authenticatorSelection, { residentKey: 'preferred', userVerification: 'preferred', requireResidentKey: false })
  assert.deepEqual(options.excludeCredentials, [])
  assert.match(options.challenge, /^[A-Za-z0-9_-]{43}$/)

  const key = authenticator({ synced: true, counts: false })
  const added = await app.inject({
    method: 'POST',
    url: '/users/me/passkeys',
    headers: bearer(access_token),
    payload: { name: ' My phone ', response: key.create(options) },
  })
  assert.equal(added.statusCode, 201, added.body)
  const view = added.json()
  assert.deepEqual(Object.keys(view).sort(), ['backed_up', 'created_at', 'device_type', 'id', 'last_used_at', 'name'])
  assert.deepEqual([view.name, view.last_used_at, view.device_type, view.backed_up], ['My phone', null, 'multiDevice', true])

  const list = await app.inject({ method: 'GET', url: '/users/me/passkeys', headers: bearer(access_token) })
  assert.deepEqual(list.json(), [view])
  assert.deepEqual(
    (await creationOptions(app, access_token)).excludeCredentials.map((c: { id: string }) => c.id),
    [key.credentials[0]!.id],
    'a second registration excludes the first',
  )
  assert.equal((await creationOptions(app, access_token)).user.id, options.user.id, 'one user handle for all of a user’s passkeys')

  // Discoverable: no username, no allowCredentials.
  const discoverable = await requestOptions(app)
  assert.deepEqual(discoverable.allowCredentials, [])
  assert.equal(discoverable.rpId, 'example.com')
  assert.equal(discoverable.userVerification, 'preferred')
  const res = await passkeyGrant(app, key.get(discoverable))
  assert.equal(res.statusCode, 200, res.body)
  assert.equal(res.headers['cache-control'], 'no-store')
  const tokens = res.json()
  const claims = decodeJwt(tokens.access_token).payload
  assert.deepEqual(claims.amr, ['swk', 'user', 'mfa'], 'a synced passkey with user verification')
  assert.equal(claims.sub, alice.id)
  assert.equal((await me(app, tokens.access_token)).statusCode, 200)
  const refreshed = await app.inject({ method: 'POST', url: '/token', payload: { grant_type: 'refresh_token', refresh_token: tokens.refresh_token } })
  assert.deepEqual(decodeJwt(refreshed.json().access_token).payload.amr, ['swk', 'user', 'mfa'], 'kept across refresh')

  // With a username: the same, discoverable (the username changes nothing).
  const byName = await requestOptions(app, 'ALICE')
  assert.deepEqual(byName.allowCredentials, [])
  const second = await passkeyGrant(app, key.get(byName))
  assert.equal(second.statusCode, 200, second.body)
  const used = (await app.inject({ method: 'GET', url: '/users/me/passkeys', headers: bearer(access_token) })).json()[0]
  assert.ok(used.last_used_at, 'last use is stored')

  const types = await auditTypes(app, admin.access_token, `&user_id=${alice.id}`)
  assert.deepEqual(
    types.filter((x) => x.startsWith('passkey.') || x === 'login.succeeded'),
    ['login.succeeded', 'passkey.added', 'login.succeeded', 'login.succeeded'],
  )
  const logins = (await app.inject({ method: 'GET', url: `/admin/audit?type=login.succeeded&user_id=${alice.id}`, headers: bearer(admin.access_token) })).json()
  assert.deepEqual(
    logins.events.map((e: { details: { method: string } }) => e.details.method),
    ['passkey', 'passkey', 'password'],
  )
})

test('amr: a device-bound key is hwk; without user verification no mfa', async (t) => {
  const { app } = await buildTestApp(t, PASSKEY_ENV)
  await registerUser(app)
  const { access_token } = await login(app)
  const key = authenticator({ uv: false })
  assert.equal((await addPasskey(app, access_token, key)).json().name, 'Security key', 'a default name from the authenticator type')
  const { res } = await signInWithPasskey(app, key)
  assert.equal(res.statusCode, 200, res.body)
  assert.deepEqual(decodeJwt(res.json().access_token).payload.amr, ['hwk', 'user'])
  const verified = await signInWithPasskey(app, key, undefined, { uv: true })
  assert.deepEqual(decodeJwt(verified.res.json().access_token).payload.amr, ['hwk', 'user', 'mfa'])
})

test('replay: an assertion is accepted once; its challenge is spent', async (t) => {
  const { app } = await buildTestApp(t, PASSKEY_ENV)
  await registerUser(app)
  const key = authenticator({ counts: false })
  await addPasskey(app, (await login(app)).access_token, key)
  const { res, assertion } = await signInWithPasskey(app, key)
  assert.equal(res.statusCode, 200, 'control')
  const replay = await passkeyGrant(app, assertion)
  assert.equal(replay.statusCode, 401)
  assert.deepEqual(replay.json(), { detail: 'Invalid passkey', error: 'invalid_grant' })
  assert.equal(replay.headers['cache-control'], 'no-store')
  // A challenge nobody issued, signed correctly.
  const forged = await passkeyGrant(app, key.get({ challenge: Buffer.alloc(32, 7).toString('base64url'), rpId: 'example.com' }))
  assert.equal(forged.statusCode, 401)
})

test('wrong origin and another RP ID are refused, at sign-in and at registration', async (t) => {
  const { app } = await buildTestApp(t, PASSKEY_ENV)
  await registerUser(app)
  const { access_token } = await login(app)
  const key = authenticator()
  assert.equal((await addPasskey(app, access_token, key)).statusCode, 201, 'control')
  assert.equal((await signInWithPasskey(app, key)).res.statusCode, 200, 'control')
  assert.equal((await signInWithPasskey(app, key, 'alice', { origin: 'https://app.example.com' })).res.statusCode, 200, 'control: the second origin')
  for (const o of [
    { origin: 'https://evil.example' },
    { origin: 'http://auth.example.com' },
    { rpId: 'evil.com' },
    { rpId: 'auth.example.com' },
    { type: 'webauthn.create' },
  ]) {
    const { res } = await signInWithPasskey(app, key, undefined, o)
    assert.deepEqual([res.statusCode, res.json()], [401, { detail: 'Invalid passkey', error: 'invalid_grant' }], JSON.stringify(o))
  }
  for (const o of [{ origin: 'https://evil.example' }, { rpId: 'evil.com' }, { type: 'webauthn.get' }]) {
    const res = await addPasskey(app, access_token, authenticator(), undefined, o)
    assert.equal(res.statusCode, 400, JSON.stringify(o))
    assert.match(res.json().detail, /could not be verified/)
  }
  assert.equal((await app.inject({ method: 'GET', url: '/users/me/passkeys', headers: bearer(access_token) })).json().length, 1)
})

test('a registration response is used once, only by the user its options were for, and only within 3 minutes', async (t) => {
  const clock = testClock()
  const { app } = await buildTestApp(t, PASSKEY_ENV, { clock })
  await registerUser(app)
  await registerUser(app, { username: 'bob' })
  const alice = (await login(app)).access_token
  const bob = (await login(app, 'bob')).access_token
  const key = authenticator()
  const response = key.create(await creationOptions(app, alice))
  const stolen = await app.inject({ method: 'POST', url: '/users/me/passkeys', headers: bearer(bob), payload: { response } })
  assert.equal(stolen.statusCode, 400, "bob cannot register alice's ceremony")
  const late = key.create(await creationOptions(app, alice))
  clock.advance(181)
  assert.equal(
    (await app.inject({ method: 'POST', url: '/users/me/passkeys', headers: bearer(alice), payload: { response: late } })).statusCode,
    400,
    'expired',
  )
  const fresh = key.create(await creationOptions(app, alice))
  const ok = await app.inject({ method: 'POST', url: '/users/me/passkeys', headers: bearer(alice), payload: { response: fresh } })
  assert.equal(ok.statusCode, 201, 'control')
  const again = await app.inject({ method: 'POST', url: '/users/me/passkeys', headers: bearer(alice), payload: { response: fresh } })
  assert.equal(again.statusCode, 400, 'replayed')
  // The same credential presented with a fresh challenge: stored once.
  const options = await creationOptions(app, bob)
  const dup = key.create(options)
  const first = key.credentials.at(-1)!
  const reused = { ...response, id: first.id, rawId: first.id }
  assert.equal((await app.inject({ method: 'POST', url: '/users/me/passkeys', headers: bearer(bob), payload: { response: dup } })).statusCode, 201)
  assert.equal((await app.inject({ method: 'POST', url: '/users/me/passkeys', headers: bearer(bob), payload: { response: reused } })).statusCode, 400)
})

test('a sign-in challenge expires after 3 minutes', async (t) => {
  const clock = testClock()
  const { app } = await buildTestApp(t, PASSKEY_ENV, { clock })
  await registerUser(app)
  const key = authenticator()
  await addPasskey(app, (await login(app)).access_token, key)
  assert.equal((await signInWithPasskey(app, key)).res.statusCode, 200, 'control')
  const assertion = key.get(await requestOptions(app))
  clock.advance(181)
  assert.equal((await passkeyGrant(app, assertion)).statusCode, 401)
})

test('a sign counter that does not move forward is refused and recorded; a counter-less authenticator signs in again and again', async (t) => {
  const { app, deps } = await buildTestApp(t, PASSKEY_ENV)
  const admin = await adminLogin(app, deps)
  const alice = await registerUser(app)
  const { access_token } = await login(app)
  const key = authenticator()
  await addPasskey(app, access_token, key)
  assert.equal((await signInWithPasskey(app, key, undefined, { counter: 5 })).res.statusCode, 200, 'control: counter 5')
  assert.equal((await signInWithPasskey(app, key, undefined, { counter: 6 })).res.statusCode, 200, 'control: counter 6')
  for (const counter of [6, 3, 0]) {
    const { res } = await signInWithPasskey(app, key, undefined, { counter })
    assert.deepEqual([res.statusCode, res.json().error], [401, 'invalid_grant'], `counter ${counter}`)
  }
  const events = (
    await app.inject({ method: 'GET', url: `/admin/audit?type=passkey.counter_regressed&user_id=${alice.id}`, headers: bearer(admin.access_token) })
  ).json().events
  assert.deepEqual(
    events.map((e: { details: { stored_counter: number; presented_counter: number } }) => [e.details.stored_counter, e.details.presented_counter]),
    [
      [6, 0],
      [6, 3],
      [6, 6],
    ],
  )
  assert.equal((await signInWithPasskey(app, key, undefined, { counter: 7 })).res.statusCode, 200, 'the genuine authenticator moves on')

  const synced = authenticator({ synced: true, counts: false })
  await addPasskey(app, access_token, synced)
  for (let i = 0; i < 3; i++) assert.equal((await signInWithPasskey(app, synced)).res.statusCode, 200, `counter 0, use ${i}`)
})

test("rename and delete: one's own passkeys only (another user's id is 404); removed passkeys cannot sign in; audited", async (t) => {
  const { app, deps } = await buildTestApp(t, PASSKEY_ENV)
  const admin = await adminLogin(app, deps)
  const alice = await registerUser(app)
  await registerUser(app, { username: 'bob' })
  const aliceToken = (await login(app)).access_token
  const bobToken = (await login(app, 'bob')).access_token
  const key = authenticator()
  const { id } = (await addPasskey(app, aliceToken, key)).json()
  await addPasskey(app, bobToken, authenticator())

  const rename = (token: string, name: string) => app.inject({ method: 'PATCH', url: `/users/me/passkeys/${id}`, headers: bearer(token), payload: { name } })
  assert.equal((await rename(bobToken, 'mine')).statusCode, 404, "bob renames alice's passkey")
  const renamed = await rename(aliceToken, 'Work laptop')
  assert.equal(renamed.statusCode, 200)
  assert.equal(renamed.json().name, 'Work laptop')
  assert.equal((await rename(aliceToken, '  ')).statusCode, 422, 'an empty name')
  assert.equal((await rename(aliceToken, 'x'.repeat(100))).json().name, 'x'.repeat(64), 'bounded')

  const remove = (token: string, which = id) => app.inject({ method: 'DELETE', url: `/users/me/passkeys/${which}`, headers: bearer(token) })
  assert.equal((await remove(bobToken)).statusCode, 404, "bob deletes alice's passkey")
  assert.equal((await remove(aliceToken, crypto.randomUUID())).statusCode, 404)
  assert.equal((await signInWithPasskey(app, key)).res.statusCode, 200, "control: alice's passkey still works")
  assert.equal((await remove(aliceToken)).statusCode, 204)
  assert.equal((await remove(aliceToken)).statusCode, 404, 'gone')
  assert.deepEqual((await app.inject({ method: 'GET', url: '/users/me/passkeys', headers: bearer(aliceToken) })).json(), [])
  assert.equal((await app.inject({ method: 'GET', url: '/users/me/passkeys', headers: bearer(bobToken) })).json().length, 1)
  const { res } = await signInWithPasskey(app, key)
  assert.deepEqual([res.statusCode, res.json().error], [401, 'invalid_grant'], 'a removed passkey signs in no more')
  const types = await auditTypes(app, admin.access_token, `&user_id=${alice.id}`)
  assert.deepEqual(
    types.filter((x) => x.startsWith('passkey.')),
    ['passkey.added', 'passkey.renamed', 'passkey.renamed', 'passkey.removed'],
  )
})

test('sign-in is discoverable-only, so a credential the client reports as not discoverable (credProps rk=false) is refused; unreported is accepted', async (t) => {
  const { app, deps } = await buildTestApp(t, PASSKEY_ENV)
  const admin = await adminLogin(app, deps)
  const alice = await registerUser(app)
  const { access_token } = await login(app)
  const reported = await addPasskey(app, access_token, authenticator())
  assert.equal(reported.statusCode, 201, `control: rk true: ${reported.body}`)

  const nonResident = authenticator({ discoverable: false })
  const options = await creationOptions(app, access_token)
  const response = nonResident.create(options)
  assert.deepEqual(response.clientExtensionResults, { credProps: { rk: false } })
  const refused = await app.inject({ method: 'POST', url: '/users/me/passkeys', headers: bearer(access_token), payload: { response } })
  assert.deepEqual(
    [refused.statusCode, refused.json()],
    [400, { detail: 'This authenticator cannot keep a passkey that signs in without a username; use another one' }],
  )
  const replayed = await app.inject({ method: 'POST', url: '/users/me/passkeys', headers: bearer(access_token), payload: { response } })
  assert.match(replayed.json().detail, /could not be verified/, 'the refusal spent its challenge')
  // Only a boolean rk is read, from an object or JSON text; anything else is "not reported".
  assert.deepEqual(parseRegistrationResponse(JSON.stringify(response))?.clientExtensionResults, { credProps: { rk: false } })
  for (const credProps of [{ rk: 'false' }, { rk: 0 }, null, [false], 'rk']) {
    assert.deepEqual(parseRegistrationResponse({ ...response, clientExtensionResults: { credProps } })?.clientExtensionResults, {}, JSON.stringify(credProps))
  }

  const silent = authenticator({ discoverable: null })
  const unreported = await addPasskey(app, access_token, silent)
  assert.equal(unreported.statusCode, 201, `no credProps reported (many clients): accepted: ${unreported.body}`)
  assert.equal((await signInWithPasskey(app, silent)).res.statusCode, 200, 'and it signs in (this one was discoverable after all)')
  const list = (await app.inject({ method: 'GET', url: '/users/me/passkeys', headers: bearer(access_token) })).json()
  assert.equal(list.length, 2, 'the refused one was not stored')
  assert.deepEqual(
    (await auditTypes(app, admin.access_token, `&user_id=${alice.id}`)).filter((x) => x === 'passkey.added'),
    ['passkey.added', 'passkey.added'],
  )
})

test('a username in the sign-in options changes nothing: the credential says who signs in, and its user handle must be its own', async (t) => {
  const { app } = await buildTestApp(t, PASSKEY_ENV)
  await registerUser(app)
  await registerUser(app, { username: 'bob' })
  const key = authenticator()
  await addPasskey(app, (await login(app)).access_token, key)
  const alice = await signInWithPasskey(app, key, 'alice')
  assert.equal(alice.res.statusCode, 200, 'control')
  // Options asked for with bob's name are bound to nobody: alice's passkey signs alice in.
  const withBobsName = await passkeyGrant(app, key.get(await requestOptions(app, 'bob')))
  assert.equal(withBobsName.statusCode, 200)
  assert.equal(decodeJwt(withBobsName.json().access_token).payload.username, 'alice')
  // A discoverable credential's user handle must be the credential's own.
  const { res: wrongHandle } = await signInWithPasskey(app, key, undefined, { userHandle: Buffer.alloc(32, 1).toString('base64url') })
  assert.equal(wrongHandle.statusCode, 401)
  assert.equal((await signInWithPasskey(app, key, undefined, { userHandle: null })).res.statusCode, 200, 'no user handle sent is fine')
})

test('no enumeration: with or without a username, for an account with passkeys, one without and an unknown name, the same answer from the same queries', async (t) => {
  const { app, deps } = await buildTestApp(t, PASSKEY_ENV)
  await registerUser(app)
  await registerUser(app, { username: 'bob' })
  await addPasskey(app, (await login(app)).access_token, authenticator())
  assert.equal(
    (await app.inject({ method: 'GET', url: '/users/me/passkeys', headers: bearer((await login(app)).access_token) })).json().length,
    1,
    'control: alice has a passkey',
  )
  // Every store call the options make, by name.
  const real = deps.store
  let calls: string[] = []
  deps.store = new Proxy(real, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver)
      if (typeof v !== 'function') return v
      return (...args: unknown[]) => {
        calls.push(String(prop))
        return v.apply(target, args)
      }
    },
  })
  t.after(() => {
    deps.store = real
  })
  const ask = async (payload: Record<string, unknown> | undefined) => {
    calls = []
    const res = await app.inject({ method: 'POST', url: '/passkeys/options', ...(payload ? { payload } : {}) })
    assert.equal(res.statusCode, 200, res.body)
    const body = res.json()
    return { headers: Object.keys(res.headers).sort(), body: { ...body, challenge: typeof body.challenge }, calls }
  }
  const reference = await ask({})
  assert.deepEqual(reference.body.allowCredentials, [])
  assert.ok(reference.calls.includes('createWebauthnChallenge'))
  for (const payload of [
    undefined,
    { username: null },
    { username: 'alice' },
    { username: 'ALICE' },
    { username: 'bob' },
    { username: 'nobody' },
    { username: 'not a valid name!' },
  ]) {
    assert.deepEqual(await ask(payload), reference, JSON.stringify(payload))
  }
})

test('MFA: a user-verifying passkey satisfies TOTP; one without user verification is refused (password and code instead)', async (t) => {
  const clock = testClock()
  const { app } = await buildTestApp(t, PASSKEY_ENV, { clock })
  const { aliceWithTotp, totpCodeAt } = await import('../helpers/mfa.js')
  const { tokens, secret } = await aliceWithTotp(app, clock)
  const key = authenticator()
  clock.advance(30)
  // TOTP went on after this session signed in: adding a passkey takes the password and a code.
  const added = await addPasskey(app, tokens.access_token, key, undefined, {}, { password: PASSWORD, otp: totpCodeAt(secret, clock()) })
  assert.equal(added.statusCode, 201, added.body)
  const { res } = await signInWithPasskey(app, key)
  assert.equal(res.statusCode, 200, 'control: with user verification')
  assert.deepEqual(decodeJwt(res.json().access_token).payload.amr, ['hwk', 'user', 'mfa'])
  const { res: noUv } = await signInWithPasskey(app, key, undefined, { uv: false })
  assert.equal(noUv.statusCode, 400)
  assert.equal(noUv.json().error, 'invalid_grant')
  assert.match(noUv.json().detail, /two-factor authentication on: use a passkey that verifies you/)
})

test('MFA_REQUIRED_ROLES: a user-verified passkey sign-in gets the role’s scopes', async (t) => {
  const { app, deps } = await buildTestApp(t, { ...PASSKEY_ENV, MFA_REQUIRED_ROLES: 'admin' })
  const admin = await registerUser(app, { username: 'root' })
  await deps.store.updateUser(admin.id, { roles: ['user', 'admin'] }, new Date())
  const key = authenticator()
  await addPasskey(app, (await login(app, 'root')).access_token, key)
  assert.equal((await login(app, 'root')).scope, 'user', 'control: a password alone withholds admin')
  assert.equal((await signInWithPasskey(app, key)).res.json().scope, 'user admin')
  assert.equal((await signInWithPasskey(app, key, undefined, { uv: false })).res.json().scope, 'user', 'one factor: no admin')
})

test('account state after a valid assertion: EMAIL_VERIFICATION=required -> Email not verified; disabled -> Inactive user', async (t) => {
  const { app, deps } = await buildTestApp(t, { ...PASSKEY_ENV, EMAIL_VERIFICATION: 'required' })
  const carol = await registerUser(app, { username: 'carol', email: 'carol@example.com' })
  const password = () => app.inject({ method: 'POST', url: '/token', payload: { username: 'carol', password: PASSWORD } })
  assert.equal((await password()).statusCode, 403, 'the password path refuses an unverified address')
  await deps.store.updateUser(carol.id, { emailVerified: true }, new Date())
  const key = authenticator()
  await addPasskey(app, (await login(app, 'carol')).access_token, key)
  assert.equal((await signInWithPasskey(app, key)).res.statusCode, 200, 'control: verified')
  await deps.store.updateUser(carol.id, { emailVerified: false }, new Date())
  const unverified = (await signInWithPasskey(app, key)).res
  assert.deepEqual([unverified.statusCode, unverified.json().detail], [403, 'Email not verified'])
  await deps.store.updateUser(carol.id, { emailVerified: true, disabled: true }, new Date())
  const disabled = (await signInWithPasskey(app, key)).res
  assert.deepEqual([disabled.statusCode, disabled.json()], [400, { detail: 'Inactive user', error: 'invalid_grant' }])
  const forged = (await signInWithPasskey(app, key, undefined, { rpId: 'evil.com' })).res
  assert.equal(forged.statusCode, 401, 'account state is told only after a valid assertion')
})

test('failed assertions for a known credential spend its account’s sign-in budget, as wrong passwords do', async (t) => {
  const { app } = await buildTestApp(t, { ...PASSKEY_ENV, RATE_LIMIT: 'on' })
  await registerUser(app)
  const key = authenticator()
  await addPasskey(app, (await login(app)).access_token, key)
  assert.equal((await signInWithPasskey(app, key)).res.statusCode, 200, 'control')
  let locked = 0
  for (let i = 0; i < 8; i++) {
    const { res } = await signInWithPasskey(app, key, undefined, { rpId: 'evil.com' })
    if (res.statusCode === 429) locked++
    else assert.equal(res.statusCode, 401)
  }
  assert.ok(locked > 0, 'the back-off started')
  const password = await app.inject({ method: 'POST', url: '/token', payload: { username: 'alice', password: PASSWORD } })
  assert.equal(password.statusCode, 429, "the account's back-off holds the right password too")
  assert.ok(Number(password.headers['retry-after']) >= 1)
  // An unknown credential is throttled on its own budget and does not lock alice out of anything more.
  const stranger = authenticator()
  stranger.create({ challenge: 'x', rp: { id: 'example.com' }, user: { id: 'aGFuZGxlLW9mLW5vYm9keQ' } })
  const { res } = await signInWithPasskey(app, stranger)
  assert.deepEqual([res.statusCode, res.json().error], [401, 'invalid_grant'])
})

test('passkeys off (the defaults: PUBLIC_URL on an IP address): the endpoints say why; the rest of the API works', async (t) => {
  const { app } = await buildTestApp(t)
  await registerUser(app)
  const { access_token } = await login(app)
  const why = /Passkeys are not available on this server: it needs WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS, or a PUBLIC_URL with a host name/
  for (const req of [
    { method: 'POST' as const, url: '/passkeys/options', payload: {} },
    { method: 'POST' as const, url: '/users/me/passkeys/options', headers: bearer(access_token) },
    { method: 'POST' as const, url: '/token', payload: { grant_type: 'urn:gatehouse:grant-type:passkey', response: '{}' } },
  ]) {
    const res = await app.inject(req)
    assert.equal(res.statusCode, 404, req.url)
    assert.match(res.json().detail, why, req.url)
  }
  assert.deepEqual((await app.inject({ method: 'GET', url: '/users/me/passkeys', headers: bearer(access_token) })).json(), [])
})

test('malformed input: 422 from the schemas, never a 500; the grant takes the assertion as JSON text in a form too', async (t) => {
  const { app } = await buildTestApp(t, PASSKEY_ENV)
  await registerUser(app)
  const { access_token } = await login(app)
  const key = authenticator()
  await addPasskey(app, access_token, key)
  const bad = await app.inject({ method: 'POST', url: '/users/me/passkeys', headers: bearer(access_token), payload: { response: { id: 1 } } })
  assert.equal(bad.statusCode, 422)
  assert.equal(
    (await app.inject({ method: 'POST', url: '/token', payload: { grant_type: 'urn:gatehouse:grant-type:passkey' } })).statusCode,
    422,
    'no response',
  )
  for (const response of ['not json', '{"id":"a"}', JSON.stringify({ ...key.get(await requestOptions(app)), type: 'other' })]) {
    const res = await app.inject({
      method: 'POST',
      url: '/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ grant_type: 'urn:gatehouse:grant-type:passkey', response }).toString(),
    })
    assert.deepEqual([res.statusCode, res.json().error], [401, 'invalid_grant'], response.slice(0, 20))
  }
  const form = await app.inject({
    method: 'POST',
    url: '/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ grant_type: 'urn:gatehouse:grant-type:passkey', response: JSON.stringify(key.get(await requestOptions(app))) }).toString(),
  })
  assert.equal(form.statusCode, 200, form.body)
  assert.equal((await app.inject({ method: 'POST', url: '/passkeys/options' })).statusCode, 200, 'no body at all: discoverable')
  assert.equal(ORIGIN, 'https://auth.example.com')
})
