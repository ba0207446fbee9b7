import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { test } from 'node:test'
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT } from 'jose'
import type { JwtAlg } from '../../src/config.js'
import type { KeyStore, SigningKeyRow } from '../../src/store/store.js'
import { createAccessTokenVerifier, signAccessToken } from '../../src/tokens/access-token.js'
import { idTokenKeyRing, publishedIdTokenAlgs, signIdToken, verifyIdTokenHint } from '../../src/tokens/id-token.js'
import type { KeyRings } from '../../src/tokens/key-rings.js'
import { loadKeyRing } from '../../src/tokens/keys.js'

const T0 = new Date('2026-11-28T12:00:00Z')
const ISSUER = 'https://auth.example.test'
const settings = { issuer: ISSUER, ttlSeconds: 1800 }
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')

/** A key table in memory, as the store keeps it (one key per alg is generated on first load). */
function memoryKeys(): KeyStore {
  const rows: SigningKeyRow[] = []
  return {
    listSigningKeys: async () => [...rows],
    ensureSigningKey: async (row) => {
      if (!rows.some((r) => r.alg === row.alg)) rows.push(row)
      return [...rows]
    },
    addSigningKey: async () => ({ replaced: [] }),
    purgeSigningKeys: async () => 0,
    replaceSigningKeyPrivate: async () => false,
    deleteSigningKey: async () => false,
  }
}

/** The two rings as createKeyRings builds them: one object when the access-token alg is RS256. */
async function rings(alg: JwtAlg): Promise<KeyRings> {
  const store = memoryKeys()
  const load = (a: JwtAlg) => loadKeyRing(store, { alg: a, secret: a === 'HS256' ? 's'.repeat(40) : null, retiredKeepSeconds: 1815, reloadIntervalMs: 0 }, T0)
  const keys = await load(alg)
  return { keys, idTokenKeys: alg === 'RS256' ? keys : await load('RS256') }
}

const claims = {
  sub: 'user-1',
  aud: 'client-1',
  authTime: new Date(T0.getTime() - 60_000),
  nonce: 'n-0S6_WzA2Mj',
  amr: ['pwd', 'otp'],
  sid: 'browser-session-1',
  extra: { preferred_username: 'alice', email: 'alice@example.test', email_verified: true },
}

test('signIdToken: header {alg, kid, typ: JWT}; the OpenID Connect claims, exp = iat + ttl', async () => {
  const r = await rings('EdDSA')
  const token = await signIdToken(r.idTokenKeys, settings, claims, T0)
  assert.deepEqual(decodeProtectedHeader(token), { alg: 'RS256', kid: r.idTokenKeys.signing(T0)!.kid, typ: 'JWT' })
  const iat = T0.getTime() / 1000
  assert.deepEqual(decodeJwt(token), {
    iss: ISSUER,
    sub: 'user-1',
    aud: 'client-1',
    iat,
    exp: iat + 1800,
    auth_time: iat - 60,
    nonce: 'n-0S6_WzA2Mj',
    amr: ['pwd', 'otp'],
    sid: 'browser-session-1',
    azp: 'client-1',
    preferred_username: 'alice',
    email: 'alice@example.test',
    email_verified: true,
  })
  const bare = decodeJwt(await signIdToken(r.idTokenKeys, settings, { ...claims, nonce: null, extra: undefined }, T0))
  assert.deepEqual(
    ['nonce', 'preferred_username', 'email', 'email_verified'].filter((c) => c in bare),
    [],
    'no nonce when none was sent; no profile or email claims unless granted',
  )
  await assert.rejects(signIdToken((await rings('HS256')).keys, settings, claims, T0), /shared secret/, 'never with JWT_SECRET')
})

test('publishedIdTokenAlgs: RS256 first, plus JWT_ALG when asymmetric; each has its ring', async () => {
  const cases: [JwtAlg, string[]][] = [
    ['EdDSA', ['RS256', 'EdDSA']],
    ['ES256', ['RS256', 'ES256']],
    ['RS256', ['RS256']],
    ['HS256', ['RS256']],
  ]
  for (const [alg, published] of cases) {
    assert.deepEqual(publishedIdTokenAlgs({ config: { jwtAlg: alg } }), published, alg)
    const r = await rings(alg)
    for (const a of published) assert.equal(idTokenKeyRing(r, a)?.alg, a, `${alg}: the ring of ${a}`)
    assert.equal(idTokenKeyRing(r, 'HS256'), null, `${alg}: HS256 never signs an ID token`)
  }
  const r = await rings('EdDSA')
  const token = await signIdToken(idTokenKeyRing(r, 'EdDSA')!, settings, claims, T0)
  assert.equal(decodeProtectedHeader(token).alg, 'EdDSA', "a client registered for JWT_ALG gets the access-token ring's signature")
  assert.deepEqual(await verifyIdTokenHint(r, settings, token, T0), { sub: 'user-1', aud: 'client-1', sid: 'browser-session-1' })
})

test('verifyIdTokenHint: an expired token of ours is still a hint (RP-Initiated Logout §2)', async () => {
  for (const alg of ['EdDSA', 'RS256', 'HS256'] as const) {
    const r = await rings(alg)
    const token = await signIdToken(r.idTokenKeys, settings, claims, T0)
    const later = new Date(T0.getTime() + 1805 * 1000) // expired, the key still published
    assert.deepEqual(await verifyIdTokenHint(r, settings, token, later), { sub: 'user-1', aud: 'client-1', sid: 'browser-session-1' }, alg)
  }
})

test("verifyIdTokenHint refuses another issuer's token, alg none, a key not in the rings, an access token, a forged HS256", async () => {
  const r = await rings('EdDSA')
  const ours = await signIdToken(r.idTokenKeys, settings, claims, T0)
  const { kid } = decodeProtectedHeader(ours)
  const payload = decodeJwt(ours)
  const refused = async (token: string, what: string) => assert.equal(await verifyIdTokenHint(r, settings, token, T0), null, what)

  await refused(await signIdToken(r.idTokenKeys, { ...settings, issuer: 'https://other.example' }, claims, T0), 'another issuer, even signed by our key')
  for (const alg of ['none', 'None']) await refused(`${b64({ alg, kid, typ: 'JWT' })}.${b64(payload)}.`, `alg ${alg}`)
  const stranger = await generateKeyPair('RS256', { extractable: true })
  const signedBy = (hdr: Record<string, unknown>) => new SignJWT(payload).setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...hdr }).sign(stranger.privateKey)
  await refused(await signedBy({ kid: 'not-our-kid' }), 'a key not in the rings')
  await refused(await signedBy({ kid }), "a key not in the rings, carrying our key's kid")
  await refused(await signedBy({ kid: 'x', jwk: await exportJWK(stranger.publicKey) }), 'a key embedded in the header (RFC 8725 §3.10)')
  const access = await signAccessToken(
    r.keys,
    { issuer: ISSUER, audience: 'gatehouse', ttlSeconds: 60, leewaySeconds: 5 },
    { sub: 'user-1', username: 'alice', scope: 'user', jti: 'j', sid: 's', client_id: 'client-1', amr: ['pwd'] },
    T0,
  )
  await refused(access, 'an access token (typ at+jwt) is not an ID token')
  const input = `${b64({ alg: 'HS256', kid, typ: 'JWT' })}.${b64(payload)}`
  await refused(`${input}.${createHmac('sha256', 's'.repeat(40)).update(input).digest('base64url')}`, 'HS256: not a published algorithm')
  await refused(`${ours.slice(0, -4)}AAAA`, 'a broken signature')
  await refused('not-a-jwt', 'malformed')
  assert.ok(await verifyIdTokenHint(r, settings, ours, T0), 'control: ours verifies')
})

test('an ID token is never an access token, with JWT_ALG=RS256 too, where both rings are one', async () => {
  for (const alg of ['EdDSA', 'RS256'] as const) {
    const r = await rings(alg)
    assert.equal(r.keys === r.idTokenKeys, alg === 'RS256')
    const s = { issuer: ISSUER, audience: 'client-1', ttlSeconds: 1800, leewaySeconds: 5 }
    const verify = createAccessTokenVerifier(r.keys, s)
    const idToken = await signIdToken(idTokenKeyRing(r, alg)!, settings, claims, T0)
    await assert.rejects(async () => verify(idToken, T0), /typ/, `${alg}: refused for its typ`)
  }
})
