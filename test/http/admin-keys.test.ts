import assert from 'node:assert/strict'
import { test } from 'node:test'
import { rotateIfDue } from '../../src/tokens/rotation.js'
import { buildTestApp, sharedDatabase, testClock } from '../helpers/build-app.js'
import { adminLogin, auditTypes, bearer, decodeJwt, login, me, registerUser } from '../helpers/fixtures.js'

const kidOf = (token: string) => decodeJwt(token).header.kid as string

test('rotation: the next key is published at once, signs after KEY_PUBLISH_LEAD, and the old key verifies until its tokens expire', async (t) => {
  const clock = testClock()
  const { app, deps } = await buildTestApp(t, { ACCESS_TOKEN_TTL: '30m' }, { clock })
  const admin = await adminLogin(app, deps)
  await registerUser(app)
  const before = await login(app)
  const oldKid = kidOf(before.access_token)
  const jwks = async () => (await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json().keys.map((k: { kid: string }) => k.kid)
  assert.deepEqual(await jwks(), [oldKid])

  const rotated = await app.inject({ method: 'POST', url: '/admin/keys/rotate', headers: bearer(admin.access_token) })
  assert.equal(rotated.statusCode, 201, rotated.body)
  const next = rotated.json()
  assert.equal(next.state, 'next')
  assert.equal(Date.parse(next.activates_at) - clock().getTime(), 300_000, 'KEY_PUBLISH_LEAD defaults to the JWKS cache lifetime')
  assert.deepEqual(await jwks(), [oldKid, next.kid], 'published before it signs')
  assert.equal(kidOf((await login(app)).access_token), oldKid, 'still signing with the old key')

  clock.advance(300)
  const after = await login(app)
  assert.equal(kidOf(after.access_token), next.kid, 'the new key signs once the lead has passed')
  assert.equal((await me(app, before.access_token)).statusCode, 200, 'tokens of the retired key still verify')
  const states = (await app.inject({ method: 'GET', url: '/admin/keys', headers: bearer(admin.access_token) })).json().keys
  assert.deepEqual(
    states.map((k: { kid: string; state: string }) => [k.kid, k.state]),
    [
      [oldKid, 'retired'],
      [next.kid, 'active'],
    ],
  )

  clock.advance(30 * 60 + 15) // every token the old key signed has expired (30 min + 5 s leeway + 10 s for instances to reload)
  assert.deepEqual(await jwks(), [next.kid], 'the retired key leaves the JWKS')
  assert.equal((await me(app, after.access_token)).statusCode, 401, 'expired anyway')
  assert.ok((await auditTypes(app, (await login(app, 'root', 'an administrator passphrase')).access_token)).includes('key.rotated'))
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
  assert.deepEqual((await hs.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json(), { keys: [] }, 'a shared secret is never published')
})

test('KEY_ROTATION_INTERVAL: rotates when the newest key is that old, once, even with two instances racing', async (t) => {
  const env = { ...sharedDatabase(t), KEY_ROTATION_INTERVAL: '2h' }
  const clock = testClock()
  const a = await buildTestApp(t, env, { clock })
  const b = await buildTestApp(t, env, { clock }) // a second instance on the same database
  assert.equal(await rotateIfDue(a.deps), null, 'the first key is brand new')
  clock.advance(2 * 3600)
  const [ra, rb] = await Promise.all([rotateIfDue(a.deps), rotateIfDue(b.deps)])
  assert.equal([ra, rb].filter(Boolean).length, 1, 'exactly one instance rotated')
  assert.equal((await a.deps.store.listSigningKeys()).length, 2)
  assert.equal(await rotateIfDue(b.deps), null, 'not due again')
  clock.advance(300)
  await b.deps.keys.reload()
  await registerUser(b.app)
  assert.equal(kidOf((await login(b.app)).access_token), (ra ?? rb)!.kid, 'both instances sign with it after the lead')
})
