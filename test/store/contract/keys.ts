import assert from 'node:assert/strict'
import type { SigningKeyRow } from '../../../src/store/store.js'
import { at, type Open, storeTest, T0 } from './helpers.js'

const row = (kid: string, over: Partial<SigningKeyRow> = {}): SigningKeyRow => ({
  kid,
  alg: 'EdDSA',
  publicJwk: '{}',
  privateJwk: '{}',
  createdAt: T0,
  activatesAt: T0,
  retiresAt: null,
  ...over,
})

export function keyStoreContract(name: string, open: Open): void {
  const t = storeTest(name, open)

  t('ensureSigningKey inserts once per algorithm', async (s) => {
    assert.deepEqual(
      (await s.ensureSigningKey(row('k1'), T0)).map((k) => k.kid),
      ['k1'],
    )
    assert.deepEqual(
      (await s.ensureSigningKey(row('k2'), T0)).map((k) => k.kid),
      ['k1'],
      'a live key for the alg exists',
    )
    assert.deepEqual(
      (await s.ensureSigningKey(row('k3', { alg: 'ES256' }), T0)).map((k) => k.kid),
      ['k1', 'k3'],
    )
    assert.deepEqual(await s.listSigningKeys(), await s.ensureSigningKey(row('k4'), T0))
  })

  t('addSigningKey retires the signing keys of its alg when it activates; skips when a newer key exists', async (s) => {
    await s.ensureSigningKey(row('old'), T0)
    await s.ensureSigningKey(row('es', { alg: 'ES256' }), T0)
    assert.deepEqual(await s.addSigningKey(row('new', { createdAt: at(100), activatesAt: at(400) })), { replaced: [] })
    const keys = await s.listSigningKeys()
    assert.deepEqual(keys.find((k) => k.kid === 'old')?.retiresAt, at(400))
    assert.equal(keys.find((k) => k.kid === 'new')?.retiresAt, null)
    assert.equal(keys.find((k) => k.kid === 'es')?.retiresAt, null, 'other algorithms are untouched')
    assert.equal(await s.addSigningKey(row('dup', { createdAt: at(101), activatesAt: at(401) }), at(50)), null, "another instance's key is newer")
    assert.equal((await s.listSigningKeys()).length, 3)
    assert.equal(await s.purgeSigningKeys(at(400)), 0, 'retired exactly then: kept')
    assert.equal(await s.purgeSigningKeys(at(401)), 1)
    assert.deepEqual((await s.listSigningKeys()).map((k) => k.kid).sort(), ['es', 'new'])
  })

  // @see issue 13: three rotations in a row queued three next keys, and the first signed for the 21 ms until the second activated.
  t('addSigningKey replaces keys of its alg still waiting to sign: retired at their activation (never signing), kept, and named', async (s) => {
    await s.ensureSigningKey(row('active'), T0)
    await s.ensureSigningKey(row('es-next', { alg: 'ES256', activatesAt: at(900) }), T0)
    assert.deepEqual(await s.addSigningKey(row('next1', { createdAt: at(100), activatesAt: at(400) })), { replaced: [] })
    assert.deepEqual(await s.addSigningKey(row('next2', { createdAt: at(121), activatesAt: at(421) })), { replaced: ['next1'] })
    assert.deepEqual(await s.addSigningKey(row('next3', { createdAt: at(150), activatesAt: at(450) })), { replaced: ['next2'] })
    const keys = new Map((await s.listSigningKeys()).map((k) => [k.kid, k]))
    assert.deepEqual(keys.get('next1')?.retiresAt, at(400), 'replaced: retired as it would activate, so it never signs')
    assert.deepEqual(keys.get('next2')?.retiresAt, at(421))
    assert.equal(keys.get('next3')?.retiresAt, null, 'one next key will sign, not three')
    assert.deepEqual(keys.get('active')?.retiresAt, at(450), 'the signing key signs until the last one activates')
    assert.equal(keys.get('es-next')?.retiresAt, null, 'other algorithms are untouched')
    // A key that activates at once (rotate --now) replaces the waiting one too, and retires the signing one now.
    assert.deepEqual(await s.addSigningKey(row('now', { createdAt: at(200), activatesAt: at(200) })), { replaced: ['next3'] })
    const after = new Map((await s.listSigningKeys()).map((k) => [k.kid, k.retiresAt]))
    assert.deepEqual(after.get('active'), at(200))
    assert.deepEqual(after.get('next3'), at(450))
    assert.deepEqual(after.get('next1'), at(400), 'a key retired before it activated is never revived by a later rotation')
    assert.equal(after.get('now'), null)
    // A key already signing when the rotation happens is never replaced, however recent.
    assert.deepEqual(await s.addSigningKey(row('later', { createdAt: at(200), activatesAt: at(500) })), { replaced: [] })
    assert.deepEqual((await s.listSigningKeys()).find((k) => k.kid === 'now')?.retiresAt, at(500))
  })

  // A rotation whose clock was read before another instance's `--now` key (or a revocation's
  // replacement) began to sign: it decides under the lock, with the clock it is given.
  t('addSigningKey decides under the lock: a key that began signing meanwhile is never replaced; a key a --now rotation overtook is not revived', async (s) => {
    await s.ensureSigningKey(row('old'), T0)
    assert.deepEqual(await s.addSigningKey(row('fresh', { createdAt: at(120), activatesAt: at(120) })), { replaced: [] })
    // The slow rotation: its key made at 100 (before `fresh` existed), the lock taken at 125.
    const slow = await s.addSigningKey(row('slow', { createdAt: at(100), activatesAt: at(400) }), undefined, { clock: () => at(125), marginMs: 10_000 })
    assert.deepEqual(slow, { replaced: [] })
    const keys = new Map((await s.listSigningKeys()).map((k) => [k.kid, k.retiresAt]))
    assert.deepEqual(keys.get('fresh'), at(400), 'the key that signs keeps signing until the new one does')
    assert.deepEqual(keys.get('old'), at(120), 'the key `fresh` overtook is not revived')
    assert.equal(keys.get('slow'), null)
  })

  t('a --now key is never "waiting", and a --now rotation never retires a key in the past', async (s) => {
    await s.ensureSigningKey(row('old'), T0)
    // Made to sign at once at 102 by an instance whose clock runs ahead of this one's 100.
    await s.addSigningKey(row('ahead', { createdAt: at(102), activatesAt: at(102) }))
    const late = await s.addSigningKey(row('late', { createdAt: at(100), activatesAt: at(100) }), undefined, { clock: () => at(101), marginMs: 0 })
    assert.deepEqual(late, { replaced: [] }, 'ahead was made to sign at once: not a waiting key')
    assert.deepEqual((await s.listSigningKeys()).find((k) => k.kid === 'old')?.retiresAt, at(101), 'retired at the decision, not before it')
  })

  // Revoking a next key before it signs must not leave the key it was to replace retiring then.
  t('deleteSigningKey(kid, now): keys that were to retire when it began signing sign on (control: without now, they still retire)', async (s) => {
    await s.ensureSigningKey(row('active'), T0)
    await s.addSigningKey(row('next', { createdAt: at(100), activatesAt: at(400) }))
    assert.deepEqual((await s.listSigningKeys()).find((k) => k.kid === 'active')?.retiresAt, at(400), 'control: scheduled to retire')
    assert.equal(await s.deleteSigningKey('next', at(150)), true)
    assert.equal((await s.listSigningKeys()).find((k) => k.kid === 'active')?.retiresAt, null, 'signs on: nothing else will')
    // With a later key still to come, the survivor signs until that one does.
    await s.addSigningKey(row('n1', { createdAt: at(200), activatesAt: at(500) }))
    await s.addSigningKey(row('n2', { createdAt: at(201), activatesAt: at(501) }), undefined, { clock: () => at(201), marginMs: 0 })
    // n1 was replaced (retired at its activation); deleting n2 frees active again.
    assert.equal(await s.deleteSigningKey('n2', at(210)), true)
    assert.equal((await s.listSigningKeys()).find((k) => k.kid === 'active')?.retiresAt, null, 'a replaced key (never signs) is not a successor')
    // An old retirement in the past is never moved.
    await s.addSigningKey(row('now', { createdAt: at(300), activatesAt: at(300) }))
    assert.equal(await s.deleteSigningKey('now', at(900)), true)
    assert.deepEqual((await s.listSigningKeys()).find((k) => k.kid === 'active')?.retiresAt, at(300), 'past retirements stay')
  })

  t('replaceSigningKeyPrivate is a compare-and-swap; deleteSigningKey revokes a key at once', async (s) => {
    await s.ensureSigningKey(row('k1', { privateJwk: '{"d":"clear"}' }), T0)
    await s.ensureSigningKey(row('k2', { alg: 'ES256' }), T0)
    assert.equal(await s.replaceSigningKeyPrivate('k1', '{"d":"other"}', 'sealed-1'), false)
    assert.equal(await s.replaceSigningKeyPrivate('nope', '{"d":"clear"}', 'sealed-1'), false)
    assert.equal(await s.replaceSigningKeyPrivate('k1', '{"d":"clear"}', 'sealed-1'), true)
    assert.equal(await s.replaceSigningKeyPrivate('k1', '{"d":"clear"}', 'sealed-2'), false, 'the old value is gone')
    assert.equal((await s.listSigningKeys()).find((k) => k.kid === 'k1')?.privateJwk, 'sealed-1')
    assert.equal(await s.deleteSigningKey('k1'), true)
    assert.equal(await s.deleteSigningKey('k1'), false)
    assert.deepEqual(
      (await s.listSigningKeys()).map((k) => k.kid),
      ['k2'],
    )
  })
}
