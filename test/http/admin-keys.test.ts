import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { importJWK, type JWK, SignJWT } from 'jose'
import type { Deps } from '../../src/deps/types.js'
import { rotateIfDue } from '../../src/tokens/rotation.js'
import { buildTestApp, sharedDatabase, testClock } from '../helpers/build-app.js'
import { ADMIN_PASSWORD, adminLogin, auditTypes, bearer, decodeJwt, login, me, registerUser } from '../helpers/fixtures.js'
import { TEST_REDIS_URL } from '../helpers/postgres.js'

const kidOf = (token: string) => decodeJwt(token).header.kid as string
/** The keys of one ring (EdDSA: access tokens by default; RS256: ID tokens): lists now hold both rings. */
const ofAlg =
  (alg = 'EdDSA') =>
  (k: { alg: string }) =>
    k.alg === alg

test('rotation: the next key is published at once, signs after KEY_PUBLISH_LEAD, and the old key verifies until its tokens expire', async (t) => {
  const clock = testClock()
  const { app, deps } = await buildTestApp(t, { ACCESS_TOKEN_TTL: '30m' }, { clock })
  const admin = await adminLogin(app, deps)
  await registerUser(app)
  const before = await login(app)
  const oldKid = kidOf(before.access_token)
  const jwks = async (alg = 'EdDSA') =>
    (await app.inject({ method: 'GET', url: '/.well-known/jwks.json' }))
      .json()
      .keys.filter(ofAlg(alg))
      .map((k: { kid: string }) => k.kid)
  assert.deepEqual(await jwks(), [oldKid])
  const [oldIdKid] = await jwks('RS256')

  const rotated = await app.inject({ method: 'POST', url: '/admin/keys/rotate', headers: bearer(admin.access_token) })
  assert.equal(rotated.statusCode, 201, rotated.body)
  const next = rotated.json()
  assert.equal(next.state, 'next')
  assert.equal(Date.parse(next.activates_at) - clock().getTime(), 300_000, 'KEY_PUBLISH_LEAD defaults to the JWKS cache lifetime')
  assert.deepEqual(await jwks(), [oldKid, next.kid], 'published before it signs')
  assert.equal(next.id_token_key.alg, 'RS256')
  assert.equal(next.id_token_key.state, 'next')
  assert.equal(next.id_token_key.activates_at, next.activates_at, 'the ID-token key follows the same lead')
  assert.deepEqual(await jwks('RS256'), [oldIdKid, next.id_token_key.kid], 'the ID-token ring rotated too')
  assert.equal(kidOf((await login(app)).access_token), oldKid, 'still signing with the old key')

  clock.advance(300)
  const after = await login(app)
  assert.equal(kidOf(after.access_token), next.kid, 'the new key signs once the lead has passed')
  assert.equal((await me(app, before.access_token)).statusCode, 200, 'tokens of the retired key still verify')
  const states = (await app.inject({ method: 'GET', url: '/admin/keys', headers: bearer(admin.access_token) })).json().keys
  assert.deepEqual(
    states.map((k: { kid: string; alg: string; state: string }) => [k.kid, k.alg, k.state]),
    [
      [oldKid, 'EdDSA', 'retired'],
      [next.kid, 'EdDSA', 'active'],
      [oldIdKid, 'RS256', 'retired'],
      [next.id_token_key.kid, 'RS256', 'active'],
    ],
    "both rings, the access tokens' first",
  )

  clock.advance(30 * 60 + 15) // every token the old key signed has expired (30 min + 5 s leeway + 10 s for instances to reload)
  assert.deepEqual(await jwks(), [next.kid], 'the retired key leaves the JWKS')
  assert.deepEqual(await jwks('RS256'), [next.id_token_key.kid], 'so does the retired ID-token key')
  assert.equal((await me(app, after.access_token)).statusCode, 401, 'expired anyway')
  assert.ok((await auditTypes(app, (await login(app, 'root', 'an administrator passphrase')).access_token)).includes('key.rotated'))
})

// @see issue 13: three rotations in a row queued three next keys; the first signed for the 21 ms before the second activated.
test('rotating while a next key waits replaces it (audited): one next key, and the old key signs until it activates', async (t) => {
  const clock = testClock()
  const { app, deps } = await buildTestApp(t, {}, { clock })
  const admin = await adminLogin(app, deps)
  const oldKid = kidOf(admin.access_token)
  const rotate = async () => {
    const res = await app.inject({ method: 'POST', url: '/admin/keys/rotate', headers: bearer(admin.access_token) })
    assert.equal(res.statusCode, 201, res.body)
    return res.json() as { kid: string; state: string; activates_at: string; id_token_key: { kid: string } }
  }
  const first = await rotate()
  clock.advance(0.021)
  const second = await rotate()
  clock.advance(0.021)
  const third = await rotate()
  assert.deepEqual(
    Object.keys(third).sort(),
    ['activates_at', 'alg', 'created_at', 'id_token_key', 'kid', 'retires_at', 'state'],
    'the answer is still the new (access-token) key, with the new ID-token key beside it',
  )
  const keys = (await app.inject({ method: 'GET', url: '/admin/keys', headers: bearer(admin.access_token) })).json().keys.filter(ofAlg())
  const states = new Map(keys.map((k: { kid: string; state: string }) => [k.kid, k.state]))
  assert.deepEqual(
    [oldKid, first.kid, second.kid, third.kid].map((kid) => states.get(kid)),
    ['active', 'retired', 'retired', 'next'],
    'one next key will sign; the replaced ones are retired before they ever activate (kept, never deleted)',
  )
  const replacedRows = keys.filter((k: { kid: string }) => k.kid === first.kid || k.kid === second.kid)
  for (const k of replacedRows) assert.equal(k.retires_at, k.activates_at, 'retired exactly as it would have activated')
  assert.equal(keys.find((k: { kid: string }) => k.kid === oldKid).retires_at, third.activates_at, 'the old key signs until the remaining next key does')

  clock.advance(300 - 0.042) // when the first would have activated: the old key still signs
  assert.equal(kidOf((await login(app, 'root', ADMIN_PASSWORD)).access_token), oldKid)
  clock.advance(0.042)
  assert.equal(kidOf((await login(app, 'root', ADMIN_PASSWORD)).access_token), third.kid)

  const events = (await app.inject({ method: 'GET', url: '/admin/audit?type=key.rotated', headers: bearer(admin.access_token) })).json().events
  type Rotated = { details: { kid: string; alg: string; replaced: string[] } }
  const ofRing = (alg: string) => events.filter((e: Rotated) => e.details.alg === alg).map((e: Rotated) => [e.details.kid, e.details.replaced])
  assert.deepEqual(ofRing('EdDSA'), [
    [third.kid, [second.kid]],
    [second.kid, [first.kid]],
    [first.kid, []],
  ])
  assert.deepEqual(
    ofRing('RS256'),
    [
      [third.id_token_key.kid, [second.id_token_key.kid]],
      [second.id_token_key.kid, [first.id_token_key.kid]],
      [first.id_token_key.kid, []],
    ],
    'the ID-token ring, the same way',
  )
})

test('rotation with {"now": true} signs with the new key at once; bad bodies are 422; HS256 cannot rotate', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const admin = await adminLogin(app, deps)
  const res = await app.inject({ method: 'POST', url: '/admin/keys/rotate', headers: bearer(admin.access_token), payload: { now: true } })
  assert.equal(res.json().state, 'active')
  assert.equal(kidOf((await login(app, 'root', 'an administrator passphrase')).access_token), res.json().kid)
  assert.equal((await me(app, admin.access_token)).statusCode, 200, 'tokens signed before still verify')
  const bad = await app.inject({ method: 'POST', url: '/admin/keys/rotate', headers: bearer(admin.access_token), payload: { now: 'yes' } })
  assert.equal(bad.statusCode, 422)

  const hs = await buildTestApp(t, { JWT_ALG: 'HS256', JWT_SECRET: 'x'.repeat(40) })
  const hsAdmin = await adminLogin(hs.app, hs.deps)
  const refused = await hs.app.inject({ method: 'POST', url: '/admin/keys/rotate', headers: bearer(hsAdmin.access_token) })
  assert.equal(refused.statusCode, 400)
  assert.match(refused.json().detail, /JWT_SECRET/)
  const hsJwks = (await hs.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json().keys
  assert.deepEqual(
    hsJwks.map((k: { alg: string; k?: string }) => [k.alg, k.k]),
    [['RS256', undefined]],
    'a shared secret is never published: only the ID-token key',
  )
  const hsId = await hs.app.inject({ method: 'POST', url: '/admin/keys/rotate', headers: bearer(hsAdmin.access_token), payload: { alg: 'RS256' } })
  assert.equal(hsId.statusCode, 201, hsId.body)
  assert.deepEqual([hsId.json().alg, hsId.json().id_token_key], ['RS256', undefined], 'with HS256 the ID-token key rotates by itself')
  const unused = await app.inject({ method: 'POST', url: '/admin/keys/rotate', headers: bearer(admin.access_token), payload: { alg: 'ES256' } })
  assert.deepEqual(
    [unused.statusCode, unused.json().detail],
    [400, 'No key ring signs with that algorithm: rotate JWT_ALG (access tokens) or RS256 (ID tokens)'],
  )
  assert.equal(
    (await app.inject({ method: 'POST', url: '/admin/keys/rotate', headers: bearer(admin.access_token), payload: { alg: 'HS256' } })).statusCode,
    422,
  )
})

test('KEY_ROTATION_INTERVAL: rotates when the newest key is that old, once, even with two instances racing', async (t) => {
  const env = { ...sharedDatabase(t), KEY_ROTATION_INTERVAL: '2h' }
  const clock = testClock()
  const a = await buildTestApp(t, env, { clock })
  const b = await buildTestApp(t, env, { clock }) // a second instance on the same database
  assert.deepEqual(await rotateIfDue(a.deps), [], 'the first keys are brand new')
  clock.advance(2 * 3600)
  const rotated = (await Promise.all([rotateIfDue(a.deps), rotateIfDue(b.deps)])).flat()
  assert.deepEqual(rotated.map((k) => k.alg).sort(), ['EdDSA', 'RS256'], 'each ring rotated exactly once, by one instance or the other')
  assert.equal((await a.deps.store.listSigningKeys()).length, 4)
  assert.deepEqual(await rotateIfDue(b.deps), [], 'not due again')
  clock.advance(300)
  await b.deps.keys.reload()
  await registerUser(b.app)
  assert.equal(kidOf((await login(b.app)).access_token), rotated.find(ofAlg())!.kid, 'both instances sign with it after the lead')
  await b.deps.idTokenKeys.reload()
  assert.equal(b.deps.idTokenKeys.signing(clock())?.kid, rotated.find(ofAlg('RS256'))!.kid, 'and ID tokens with the new RS256 key')
})

/** What someone holding `kid`'s private key can do: sign any claims (here a live token's, with a fresh lifetime). */
async function forge(deps: Deps, kid: string, like: string, now: Date, lifetimeSeconds: number): Promise<string> {
  const row = (await deps.store.listSigningKeys()).find((r) => r.kid === kid)!
  const key = await importJWK(JSON.parse(row.privateJwk) as JWK, row.alg)
  const iat = Math.floor(now.getTime() / 1000)
  const { header, payload } = decodeJwt(like)
  return new SignJWT({ ...payload, iat, exp: iat + lifetimeSeconds, jti: `forged-${iat}` }).setProtectedHeader({ ...header, alg: row.alg, kid }).sign(key)
}

const jwksKids = async (app: FastifyInstance, alg = 'EdDSA') =>
  (await app.inject({ method: 'GET', url: '/.well-known/jwks.json' }))
    .json()
    .keys.filter(ofAlg(alg))
    .map((k: { kid: string }) => k.kid)

// @see issue 12
test('a retired key stops verifying when its keep window ends, whether or not a purge ran, cached or not', async (t) => {
  const clock = testClock()
  const { app, deps } = await buildTestApp(t, { ACCESS_TOKEN_TTL: '30m' }, { clock })
  const admin = await adminLogin(app, deps)
  await registerUser(app)
  const oldKid = kidOf(admin.access_token)
  const rotated = await app.inject({ method: 'POST', url: '/admin/keys/rotate', headers: bearer(admin.access_token), payload: { now: true } })
  assert.equal(rotated.statusCode, 201)
  const live = await login(app) // a live session, signed by the new key
  assert.notEqual(kidOf(live.access_token), oldKid)
  const early = await forge(deps, oldKid, live.access_token, clock(), 4 * 3600)
  assert.equal((await me(app, early)).statusCode, 200, 'control: within its keep window the retired key verifies (and the token is now cached)')

  clock.advance(30 * 60 + 5 + 10 + 1) // past the keep window: token lifetime + leeway + reload lag
  assert.ok(
    (await deps.store.listSigningKeys()).some((r) => r.kid === oldKid),
    'no purge has run: the key is still stored',
  )
  assert.deepEqual(await jwksKids(app), [kidOf(live.access_token)], 'it left the JWKS')
  assert.equal((await me(app, early)).statusCode, 401, 'the cached token fails')
  const late = await forge(deps, oldKid, live.access_token, clock(), 600)
  assert.equal((await me(app, late)).statusCode, 401, 'a token forged now fails')
  const fresh = await login(app)
  assert.equal((await me(app, fresh.access_token)).statusCode, 200, 'the active key still verifies')
})

// @see issue 12
test('DELETE /admin/keys/{kid}: a compromised key is dropped at once on every instance; the active one is replaced first; 404 unknown; audited', async (t) => {
  const env = { ...sharedDatabase(t), REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: `gh-test-${randomBytes(4).toString('hex')}:` }
  const a = await buildTestApp(t, env)
  const b = await buildTestApp(t, env) // a second instance: same database, same change bus
  const admin = await adminLogin(a.app, a.deps)
  await registerUser(a.app)
  const token = (await login(a.app)).access_token
  const kid = kidOf(token)
  assert.equal((await me(a.app, token)).statusCode, 200, 'control: the token verifies on A')
  assert.equal((await me(b.app, token)).statusCode, 200, 'control: and on B (which caches it)')

  const del = (k: string, auth = admin.access_token) => a.app.inject({ method: 'DELETE', url: `/admin/keys/${encodeURIComponent(k)}`, headers: bearer(auth) })
  assert.equal((await del('no-such-kid')).statusCode, 404)
  assert.equal((await me(a.app, token)).statusCode, 200, 'a 404 changes nothing')
  const user = await login(a.app)
  assert.equal((await del(kid, user.access_token)).statusCode, 403, 'admins only')
  const revoked = await del(kid)
  assert.equal(revoked.statusCode, 204, revoked.body)

  assert.equal((await me(a.app, token)).statusCode, 401, 'refused on A at once')
  const until = Date.now() + 2_000
  let onB = 200
  while (onB !== 401 && Date.now() < until) {
    onB = (await me(b.app, token)).statusCode
    if (onB !== 401) await new Promise((r) => setTimeout(r, 20))
  }
  assert.equal(onB, 401, 'refused on B, cached or not, within moments (the change bus)')
  assert.ok(!(await jwksKids(a.app)).includes(kid), 'gone from the JWKS')
  assert.ok(!(await jwksKids(b.app)).includes(kid))

  const after = await login(b.app)
  assert.notEqual(kidOf(after.access_token), kid, 'a new key signs: signing never stopped')
  assert.equal((await me(a.app, after.access_token)).statusCode, 200)
  const root = await login(a.app, 'root', ADMIN_PASSWORD)
  const listed = (await a.app.inject({ method: 'GET', url: '/admin/keys', headers: bearer(root.access_token) })).json().keys.filter(ofAlg())
  assert.deepEqual(
    listed.map((k: { kid: string; state: string }) => [k.kid, k.state]),
    [[kidOf(after.access_token), 'active']],
  )
  const types = await auditTypes(a.app, root.access_token)
  const rotatedAt = types.indexOf('key.rotated')
  assert.ok(rotatedAt >= 0 && rotatedAt < types.indexOf('key.revoked'), 'audited: a new key first, then the revocation')
})
