import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { KeyStore, SigningKeyRow } from '../../src/store/store.js'
import { generateKeyRow, keyState, loadKeyRing } from '../../src/tokens/keys.js'

const T0 = new Date('2026-11-28T12:00:00Z')
const at = (s: number) => new Date(T0.getTime() + s * 1000)

/** A key store that counts reads, so the ring's reloads can be seen. */
function countingStore(rows: SigningKeyRow[]): KeyStore & { reads: number } {
  const store = {
    reads: 0,
    async listSigningKeys() {
      store.reads++
      return rows
    },
    ensureSigningKey: async () => rows,
    addSigningKey: async () => ({ replaced: [] }),
    purgeSigningKeys: async () => 0,
    replaceSigningKeyPrivate: async () => false,
    deleteSigningKey: async () => false,
  }
  return store
}

test('a flood of unknown kids reloads the ring at most once a second; a kid added meanwhile is found', async () => {
  const first = await generateKeyRow('EdDSA', T0, T0)
  const rows = [first]
  const store = countingStore(rows)
  const ring = await loadKeyRing(store, { alg: 'EdDSA', secret: null, retiredKeepSeconds: 60, reloadIntervalMs: 0 }, T0)
  assert.equal(store.reads, 1)
  await new Promise((r) => setTimeout(r, 1000))
  const flood = await Promise.all(Array.from({ length: 200 }, (_, i) => ring.resolveUnknown(`random-${i}`, at(1))))
  assert.ok(flood.every((k) => k === null))
  assert.equal(store.reads, 2, '200 unknown kids, one reload')
  await ring.resolveUnknown('another', at(1))
  assert.equal(store.reads, 2, 'not again within the second')
  const second = await generateKeyRow('EdDSA', at(1), at(1))
  rows.push(second)
  await new Promise((r) => setTimeout(r, 1000))
  assert.ok(await ring.resolveUnknown(second.kid, at(2)), 'a key rotated in elsewhere verifies after one reload')
  assert.equal(store.reads, 3)
  assert.equal(await ring.resolveUnknown(undefined, at(2)), null)
  ring.close()
})

test('key states: next before activation, active, retired; a next key overtaken by a --now rotation never signs', () => {
  const row = { activatesAt: at(300), retiresAt: null }
  assert.equal(keyState(row, at(0)), 'next')
  assert.equal(keyState(row, at(300)), 'active')
  assert.equal(keyState({ ...row, retiresAt: at(600) }, at(599)), 'active')
  assert.equal(keyState({ ...row, retiresAt: at(600) }, at(600)), 'retired')
  assert.equal(keyState({ ...row, retiresAt: at(100) }, at(0)), 'retired', 'retired before it activated')
})
