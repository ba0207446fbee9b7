// The ID tokens' RS256 ring (OpenID Connect Core §15.1) beside the access tokens' ring, through
// the public surface: JWKS, the admin keys API, /users/me.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import type { Deps } from '../../src/deps/types.js'
import { signIdToken, verifyIdTokenHint } from '../../src/tokens/id-token.js'
import { buildTestApp, sharedDatabase, testClock } from '../helpers/build-app.js'
import { adminLogin, bearer, decodeJwt, login, me, registerUser } from '../helpers/fixtures.js'
import { TEST_REDIS_URL } from '../helpers/postgres.js'

type Jwk = { kid: string; alg: string; kty: string; use: string; d?: string; k?: string }
const jwks = async (app: FastifyInstance): Promise<Jwk[]> => (await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json().keys
const algsOf = async (app: FastifyInstance) => (await jwks(app)).map((k) => k.alg)
const kidOf = (token: string) => decodeJwt(token).header.kid as string

/** An ID token for the session of `accessToken`, as the code grant will sign one. */
async function idTokenFor(deps: Deps, accessToken: string): Promise<string> {
  const { payload } = decodeJwt(accessToken)
  const claims = { sub: payload.sub as string, aud: 'client-1', authTime: deps.clock(), amr: ['pwd'], sid: payload.sid as string }
  return signIdToken(deps.idTokenKeys, deps.tokens, claims, deps.clock())
}

test('JWKS publishes an RS256 key beside the access-token key for every JWT_ALG (one key when JWT_ALG=RS256), never a secret', async (t) => {
  const cases: [Record<string, string>, string[]][] = [
    [{}, ['EdDSA', 'RS256']],
    [{ JWT_ALG: 'ES256' }, ['ES256', 'RS256']],
    [{ JWT_ALG: 'RS256' }, ['RS256']],
    [{ JWT_ALG: 'HS256', JWT_SECRET: 'h'.repeat(40) }, ['RS256']],
  ]
  for (const [env, algs] of cases) {
    const { app, deps } = await buildTestApp(t, env)
    const keys = await jwks(app)
    assert.deepEqual(
      keys.map((k) => k.alg),
      algs,
      JSON.stringify(env),
    )
    assert.equal(new Set(keys.map((k) => k.kid)).size, keys.length, 'no key twice')
    for (const k of keys) assert.deepEqual([k.use, k.d, k.k], ['sig', undefined, undefined])
    assert.equal(deps.idTokenKeys.alg, 'RS256')
    assert.equal(deps.idTokenKeys === deps.keys, env.JWT_ALG === 'RS256', 'the same ring object exactly when JWT_ALG=RS256')
    const rs = keys.find((k) => k.alg === 'RS256')!
    assert.equal(rs.kty, 'RSA')
    assert.equal(rs.kid, deps.idTokenKeys.signing(deps.clock())!.kid, 'the key ID tokens are signed with')
  }
})

test('the RS256 key is stored: the same after a restart; both rings load from the one key table', async (t) => {
  const env = sharedDatabase(t)
  const first = await buildTestApp(t, env)
  const before = await jwks(first.app)
  const second = await buildTestApp(t, env)
  assert.deepEqual(await jwks(second.app), before, 'the second instance agrees on both keys')
  assert.deepEqual((await first.deps.store.listSigningKeys()).map((r) => r.alg).sort(), ['EdDSA', 'RS256'])
})

test('rotating twice moves both rings: each waiting next key is replaced; after the lead both new keys sign', async (t) => {
  const clock = testClock()
  const { app, deps } = await buildTestApp(t, {}, { clock })
  const admin = await adminLogin(app, deps)
  const firstId = deps.idTokenKeys.signing(clock())!.kid
  const rotate = async () => {
    const res = await app.inject({ method: 'POST', url: '/admin/keys/rotate', headers: bearer(admin.access_token) })
    assert.equal(res.statusCode, 201, res.body)
    return res.json() as { kid: string; alg: string; state: string; id_token_key: { kid: string; alg: string; state: string } }
  }
  const one = await rotate()
  clock.advance(1)
  const two = await rotate()
  assert.deepEqual([two.alg, two.state, two.id_token_key.alg, two.id_token_key.state], ['EdDSA', 'next', 'RS256', 'next'])
  const listed = (await app.inject({ method: 'GET', url: '/admin/keys', headers: bearer(admin.access_token) })).json().keys
  assert.deepEqual(
    listed.map((k: { kid: string; alg: string; state: string }) => [k.alg, k.kid, k.state]),
    [
      ['EdDSA', kidOf(admin.access_token), 'active'],
      ['EdDSA', one.kid, 'retired'],
      ['EdDSA', two.kid, 'next'],
      ['RS256', firstId, 'active'],
      ['RS256', one.id_token_key.kid, 'retired'],
      ['RS256', two.id_token_key.kid, 'next'],
    ],
  )
  assert.equal(kidOf(await idTokenFor(deps, admin.access_token)), firstId, 'the old ID-token key signs during the lead')
  clock.advance(300)
  assert.equal(kidOf(await idTokenFor(deps, admin.access_token)), two.id_token_key.kid, 'then the new one')
  assert.equal(kidOf((await login(app, 'root', 'an administrator passphrase')).access_token), two.kid)
  assert.ok(await verifyIdTokenHint(deps, deps.tokens, await idTokenFor(deps, admin.access_token), clock()))
})

test('with JWT_ALG=RS256 one ring: a rotation adds one key, named twice in the answer', async (t) => {
  const { app, deps } = await buildTestApp(t, { JWT_ALG: 'RS256' })
  const admin = await adminLogin(app, deps)
  const res = await app.inject({ method: 'POST', url: '/admin/keys/rotate', headers: bearer(admin.access_token), payload: { now: true } })
  assert.equal(res.statusCode, 201, res.body)
  assert.equal(res.json().id_token_key.kid, res.json().kid)
  assert.equal((await deps.store.listSigningKeys()).length, 2)
  assert.deepEqual(await algsOf(app), ['RS256', 'RS256'], 'the old key and the new one, each once')
})

test('an ID token presented as an access token is refused 401, with JWT_ALG=RS256 too (same ring, same key)', async (t) => {
  for (const env of [{}, { JWT_ALG: 'RS256' }] as Record<string, string>[]) {
    const { app, deps } = await buildTestApp(t, env)
    await registerUser(app)
    const { access_token } = await login(app)
    assert.equal((await me(app, access_token)).statusCode, 200, 'control: the access token opens /users/me')
    const idToken = await idTokenFor(deps, access_token)
    if (env.JWT_ALG === 'RS256') assert.equal(kidOf(idToken), kidOf(access_token), 'the very same key signed both')
    const res = await me(app, idToken)
    assert.equal(res.statusCode, 401, JSON.stringify(env))
    assert.deepEqual(res.json(), { detail: 'Could not validate credentials' })
  }
})

test('DELETE /admin/keys/{kid} revokes the RS256 key on every instance (a new one signs first); access tokens are untouched', async (t) => {
  const env = { ...sharedDatabase(t), REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: `gh-test-${randomBytes(4).toString('hex')}:` }
  const a = await buildTestApp(t, env)
  const b = await buildTestApp(t, env) // same database, same change bus
  const admin = await adminLogin(a.app, a.deps)
  const hint = await idTokenFor(a.deps, admin.access_token)
  const kid = kidOf(hint)
  assert.ok(await verifyIdTokenHint(b.deps, b.deps.tokens, hint, b.deps.clock()), 'control: B reads the hint')

  const res = await a.app.inject({ method: 'DELETE', url: `/admin/keys/${encodeURIComponent(kid)}`, headers: bearer(admin.access_token) })
  assert.equal(res.statusCode, 204, res.body)
  assert.equal(await verifyIdTokenHint(a.deps, a.deps.tokens, hint, a.deps.clock()), null, 'refused on A at once')
  const until = Date.now() + 2_000
  while ((await verifyIdTokenHint(b.deps, b.deps.tokens, hint, b.deps.clock())) && Date.now() < until) await new Promise((r) => setTimeout(r, 20))
  assert.equal(await verifyIdTokenHint(b.deps, b.deps.tokens, hint, b.deps.clock()), null, 'and on B within moments (the change bus reloads its ID-token ring)')
  assert.ok(!(await jwks(b.app)).some((k) => k.kid === kid), 'gone from the JWKS')

  const fresh = await idTokenFor(b.deps, admin.access_token)
  assert.notEqual(kidOf(fresh), kid, 'a new RS256 key signs: signing never stopped')
  assert.ok(await verifyIdTokenHint(a.deps, a.deps.tokens, fresh, a.deps.clock()))
  assert.equal((await me(a.app, admin.access_token)).statusCode, 200, 'the access-token key was not touched')
  const events = (await a.app.inject({ method: 'GET', url: '/admin/audit?type=key.revoked', headers: bearer(admin.access_token) })).json().events
  assert.deepEqual(
    events.map((e: { details: Record<string, unknown> }) => [e.details.kid, e.details.alg, e.details.replaced_by]),
    [[kid, 'RS256', kidOf(fresh)]],
  )
})

test('with JWT_ALG=HS256 the RS256 key is revocable and rotatable; the HS256 key is neither', async (t) => {
  const { app, deps } = await buildTestApp(t, { JWT_ALG: 'HS256', JWT_SECRET: 'h'.repeat(40) })
  const admin = await adminLogin(app, deps)
  const listed = (await app.inject({ method: 'GET', url: '/admin/keys', headers: bearer(admin.access_token) })).json().keys
  assert.deepEqual(
    listed.map((k: { alg: string; state: string }) => [k.alg, k.state]),
    [
      ['HS256', 'active'],
      ['RS256', 'active'],
    ],
  )
  const del = (kid: string) => app.inject({ method: 'DELETE', url: `/admin/keys/${encodeURIComponent(kid)}`, headers: bearer(admin.access_token) })
  assert.equal((await del(listed[0].kid)).statusCode, 400, 'the HS256 key is JWT_SECRET')
  assert.equal((await del(listed[1].kid)).statusCode, 204)
  const [rs] = await jwks(app)
  assert.notEqual(rs!.kid, listed[1].kid, 'replaced by a new RS256 key')
  assert.equal((await me(app, admin.access_token)).statusCode, 200)
  assert.equal((await del('no-such-kid')).statusCode, 404)
})
