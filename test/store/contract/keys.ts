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
    assert.equal(await s.addSigningKey(row('new', { createdAt: at(100), activatesAt: at(400) })), true)
    const keys = await s.listSigningKeys()
    assert.deepEqual(keys.find((k) => k.kid === 'old')?.retiresAt, at(400))
    assert.equal(keys.find((k) => k.kid === 'new')?.retiresAt, null)
    assert.equal(keys.find((k) => k.kid === 'es')?.retiresAt, null, 'other algorithms are untouched')
    assert.equal(await s.addSigningKey(row('dup', { createdAt: at(101), activatesAt: at(401) }), at(50)), false, "another instance's key is newer")
    assert.equal((await s.listSigningKeys()).length, 3)
    assert.equal(await s.purgeSigningKeys(at(400)), 0, 'retired exactly then: kept')
    assert.equal(await s.purgeSigningKeys(at(401)), 1)
    assert.deepEqual((await s.listSigningKeys()).map((k) => k.kid).sort(), ['es', 'new'])
  })
}
