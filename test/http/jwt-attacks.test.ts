// The JWT attack list (RFC 8725 §2, §3): every forged or mis-issued token gets the same 401.
import assert from 'node:assert/strict'
import { createHmac, generateKeyPairSync } from 'node:crypto'
import { test, type TestContext } from 'node:test'
import { exportJWK, importJWK, SignJWT, type JWK } from 'jose'
import { buildTestApp } from '../helpers/build-app.js'
import { decodeJwt, login, me, registerUser } from '../helpers/fixtures.js'

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')

async function setup(t: TestContext) {
  const { app, deps } = await buildTestApp(t)
  const user = await registerUser(app)
  const tokens = await login(app)
  const { header, payload } = decodeJwt(tokens.access_token)
  // The access tokens' key (the store also holds the ID tokens' RS256 key).
  const row = (await deps.store.listSigningKeys()).find((r) => r.alg === 'EdDSA')
  const serverKey = await importJWK(JSON.parse(row!.privateJwk) as JWK, 'EdDSA')
  /** Signs with the server's real key: only the claims or header are wrong. */
  const sign = (claims: Record<string, unknown>, hdr: Record<string, unknown> = {}) =>
    new SignJWT(claims).setProtectedHeader({ ...(header as { alg: string }), ...hdr }).sign(serverKey)
  return { app, deps, user, tokens, header, payload, sign, publicJwk: JSON.parse(row!.publicJwk) as JWK }
}

async function assertRejected(app: Awaited<ReturnType<typeof setup>>['app'], token: string, what: string) {
  const res = await me(app, token)
  assert.equal(res.statusCode, 401, what)
  assert.deepEqual(res.json(), { detail: 'Could not validate credentials' }, what)
  assert.equal(res.headers['www-authenticate'], 'Bearer error="invalid_token"', what)
}

test('a correctly signed control token is accepted (so the rejections below mean something)', async (t) => {
  const { app, sign, payload } = await setup(t)
  assert.equal((await me(app, await sign(payload))).statusCode, 200)
})

test('alg none is rejected', async (t) => {
  const { app, payload, header } = await setup(t)
  for (const alg of ['none', 'None', 'NONE']) {
    await assertRejected(app, `${b64({ ...header, alg })}.${b64(payload)}.`, alg)
  }
})

// @see issue 5: deleting `algorithms` from the verifier left every test green.
test("the server's own key under another algorithm name is rejected: the algorithm is pinned, not read from the header", async (t) => {
  const { app, payload, header, deps } = await setup(t)
  const row = (await deps.store.listSigningKeys()).find((r) => r.alg === 'EdDSA')
  // RFC 9864's fully-specified name for the same Ed25519 signature: an unpinned verifier accepts it.
  const key = await importJWK(JSON.parse(row!.privateJwk) as JWK, 'Ed25519')
  const relabelled = await new SignJWT(payload).setProtectedHeader({ ...(header as { alg: string }), alg: 'Ed25519' }).sign(key)
  await assertRejected(app, relabelled, 'alg Ed25519')
})

test('HS256 keyed with the public key is rejected (algorithm confusion)', async (t) => {
  const { app, payload, header, publicJwk } = await setup(t)
  for (const secret of [Buffer.from(publicJwk.x!, 'base64url'), Buffer.from(publicJwk.x!), Buffer.from(JSON.stringify(publicJwk))]) {
    const input = `${b64({ ...header, alg: 'HS256' })}.${b64(payload)}`
    const sig = createHmac('sha256', secret).update(input).digest('base64url')
    await assertRejected(app, `${input}.${sig}`, 'HS256 confusion')
  }
})

test('stripped, tampered and foreign signatures are rejected', async (t) => {
  const { app, tokens, payload, header } = await setup(t)
  const [h, p, s] = tokens.access_token.split('.')
  await assertRejected(app, `${h}.${p}.`, 'stripped')
  await assertRejected(app, `${h}.${p}`, 'two parts')
  await assertRejected(app, `${h}.${b64({ ...payload, username: 'mallory' })}.${s}`, 'tampered payload')
  const flipped = s!.slice(0, 10) + (s![10] === 'A' ? 'B' : 'A') + s!.slice(11)
  await assertRejected(app, `${h}.${p}.${flipped}`, 'tampered signature')
  // Same kid, attacker's own Ed25519 key.
  const { privateKey } = generateKeyPairSync('ed25519')
  await assertRejected(app, await new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(privateKey), 'foreign key')
})

test('keys embedded in the header (jwk, jku, x5u) are never trusted', async (t) => {
  const { app, payload } = await setup(t)
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const jwk = await exportJWK(publicKey)
  for (const extra of [{ jwk }, { jku: 'http://127.0.0.1:1/jwks.json' }, { x5u: 'http://127.0.0.1:1/cert.pem' }]) {
    const forged = await new SignJWT(payload).setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', ...extra }).sign(privateKey)
    await assertRejected(app, forged, Object.keys(extra)[0]!)
  }
})

test('expired, exp-less, wrong iss/aud/typ, unknown kid and missing claims are rejected', async (t) => {
  const { app, sign, payload } = await setup(t)
  const now = Math.floor(Date.now() / 1000)
  const without = (k: string) => Object.fromEntries(Object.entries(payload).filter(([key]) => key !== k))
  const cases: [string, Record<string, unknown>, Record<string, unknown>?][] = [
    ['expired', { ...payload, iat: now - 4000, exp: now - 60 }],
    ['no exp', without('exp')],
    ['wrong iss', { ...payload, iss: 'https://evil.example' }],
    ['wrong aud', { ...payload, aud: 'another-api' }],
    ['no aud', without('aud')],
    ['missing sub', without('sub')],
    ['missing jti', without('jti')],
    ['missing sid', without('sid')],
    ['sid of no session', { ...payload, sid: '00000000-0000-4000-8000-000000000000' }],
    ['sub not the session owner', { ...payload, sub: '00000000-0000-4000-8000-000000000000' }],
    ['wrong typ', payload, { typ: 'JWT' }],
    ['no typ', payload, { typ: undefined }],
    ['unknown kid', payload, { kid: 'not-a-key' }],
    ['no kid', payload, { kid: undefined }],
  ]
  for (const [what, claims, hdr] of cases) await assertRejected(app, await sign(claims, hdr), what)
})

test('tokens of an ended session, a deleted user or a disabled user are rejected', async (t) => {
  const { app, deps, tokens, user } = await setup(t)
  const second = await login(app)
  const third = await login(app)
  await deps.store.endSession(decodeJwt(tokens.access_token).payload.sid as string, new Date())
  await assertRejected(app, tokens.access_token, 'ended session')
  assert.equal((await me(app, second.access_token)).statusCode, 200)
  await deps.store.updateUser(user.id, { disabled: true }, new Date())
  await assertRejected(app, second.access_token, 'disabled user')
  await deps.store.updateUser(user.id, { disabled: false }, new Date())
  assert.equal((await me(app, second.access_token)).statusCode, 200)
  await deps.store.deleteUser(user.id)
  await assertRejected(app, third.access_token, 'deleted user')
})

test('a token in the query string or body does not authenticate', async (t) => {
  const { app, tokens } = await setup(t)
  const q = await app.inject({ method: 'GET', url: `/users/me?access_token=${tokens.access_token}` })
  assert.equal(q.statusCode, 401)
  assert.deepEqual(q.json(), { detail: 'Not authenticated' })
  assert.equal(q.headers['www-authenticate'], 'Bearer')
})

test('Authorization header variants', async (t) => {
  const { app, tokens } = await setup(t)
  const get = (authorization: string) => app.inject({ method: 'GET', url: '/users/me', headers: { authorization } })
  assert.equal((await get(`bearer ${tokens.access_token}`)).statusCode, 200, 'scheme is case-insensitive')
  for (const h of ['', 'Basic YWxpY2U6cHc=', tokens.access_token, 'Token abc']) {
    const res = await get(h)
    assert.equal(res.statusCode, 401, h)
    assert.deepEqual(res.json(), { detail: 'Not authenticated' })
  }
  for (const h of ['Bearer ', 'Bearer a b', `Bearer ${'x'.repeat(8000)}`, 'Bearer \u00e9t\u00e9']) {
    const res = await get(h)
    assert.equal(res.statusCode, 401, h.slice(0, 20))
    assert.deepEqual(res.json(), { detail: 'Could not validate credentials' })
  }
})
