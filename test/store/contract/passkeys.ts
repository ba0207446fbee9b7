import assert from 'node:assert/strict'
import type { NewAuditEvent, NewPasskey, NewWebauthnChallenge } from '../../../src/store/store.js'
import { at, newUser, T0, type Open, storeTest } from './helpers.js'

const newPasskey = (userId: string, credentialId: string, over: Partial<NewPasskey> = {}): NewPasskey => ({
  id: crypto.randomUUID(),
  userId,
  credentialId,
  publicKey: 'pQECAyYgASFYIA',
  counter: 0,
  transports: ['internal', 'hybrid'],
  deviceType: 'multiDevice',
  backedUp: true,
  name: 'Passkey',
  userHandle: 'aGFuZGxl',
  aaguid: null,
  createdAt: T0,
  ...over,
})

const challenge = (hash: string, over: Partial<NewWebauthnChallenge> = {}): NewWebauthnChallenge => ({
  challengeHash: hash,
  ceremony: 'authentication',
  userId: null,
  data: null,
  createdAt: T0,
  expiresAt: at(300),
  ...over,
})

const ev = (type: string): NewAuditEvent => ({ type, at: at(1), actorId: null, subjectId: null, ip: null, userAgent: null, details: {} })

export function passkeyStoreContract(name: string, open: Open): void {
  const t = storeTest(name, open)

  t('passkeys: create, list (oldest first), find by credential id with the user; a credential id is registered once', async (s) => {
    const u = await s.createUser(newUser('pia'))
    const other = await s.createUser(newUser('pat'))
    assert.deepEqual(await s.listPasskeys(u.id), [])
    assert.equal(await s.findPasskeyByCredentialId('nope'), null)
    const a = newPasskey(u.id, 'cred-a', { aaguid: 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4', transports: [] })
    const b = newPasskey(u.id, 'cred-b', { createdAt: at(5), counter: 7, deviceType: 'singleDevice', backedUp: false, transports: ['usb'] })
    assert.equal(await s.createPasskey(b), true)
    assert.equal(await s.createPasskey(a), true)
    assert.deepEqual(await s.listPasskeys(u.id), [
      { ...a, lastUsedAt: null },
      { ...b, lastUsedAt: null },
    ])
    assert.equal(await s.createPasskey(newPasskey(other.id, 'cred-a'), [ev('passkey.added')]), false, 'the same credential id for another user')
    assert.deepEqual(await s.listPasskeys(other.id), [])
    const found = await s.findPasskeyByCredentialId('cred-b')
    assert.deepEqual(found?.passkey, { ...b, lastUsedAt: null })
    assert.equal(found?.user.id, u.id)
    assert.equal(found?.user.username, 'pia')
    assert.equal(await s.findPasskeyByCredentialId('CRED-B'), null, 'credential ids are case-sensitive')
    const events = await s.scanAuditEvents(0, 10)
    assert.deepEqual(
      events.map((e) => e.type),
      [],
      'a refused create appends no audit row',
    )
  })

  t('passkeys: a use is a compare-and-swap on the counter; concurrent uses with one counter value pass once', async (s) => {
    const u = await s.createUser(newUser('cas'))
    const p = newPasskey(u.id, 'cred-c', { counter: 5, backedUp: false })
    await s.createPasskey(p)
    assert.equal(await s.recordPasskeyUse(p.id, { expectedCounter: 4, newCounter: 6, backedUp: false, usedAt: at(1) }), false, 'a stale expectation')
    assert.equal(await s.recordPasskeyUse(p.id, { expectedCounter: 5, newCounter: 5, backedUp: false, usedAt: at(1) }), false, 'not forward')
    assert.equal(await s.recordPasskeyUse(p.id, { expectedCounter: 5, newCounter: 3, backedUp: false, usedAt: at(1) }), false, 'backwards')
    assert.equal(await s.recordPasskeyUse(p.id, { expectedCounter: 5, newCounter: 9, backedUp: true, usedAt: at(2) }), true)
    const after = (await s.listPasskeys(u.id))[0]!
    assert.equal(after.counter, 9)
    assert.equal(after.backedUp, true, 'the backup state is stored with each use')
    assert.deepEqual(after.lastUsedAt, at(2))
    const results = await Promise.all(
      Array.from({ length: 6 }, () => s.recordPasskeyUse(p.id, { expectedCounter: 9, newCounter: 10, backedUp: true, usedAt: at(3) })),
    )
    assert.equal(results.filter(Boolean).length, 1, 'exactly one of the concurrent uses wins')
    assert.equal((await s.findPasskeyByCredentialId('cred-c'))?.passkey.counter, 10)
    assert.equal(await s.recordPasskeyUse(crypto.randomUUID(), { expectedCounter: 10, newCounter: 11, backedUp: true, usedAt: at(4) }), false, 'unknown id')
  })

  t('passkeys: an authenticator without a counter (always 0) is used again and again; a counted one never goes back to 0', async (s) => {
    const u = await s.createUser(newUser('zed'))
    const p = newPasskey(u.id, 'cred-z')
    await s.createPasskey(p)
    for (const second of [1, 2]) {
      assert.equal(await s.recordPasskeyUse(p.id, { expectedCounter: 0, newCounter: 0, backedUp: second === 2, usedAt: at(second) }), true)
    }
    const zero = (await s.listPasskeys(u.id))[0]!
    assert.deepEqual([zero.counter, zero.backedUp, zero.lastUsedAt], [0, true, at(2)])
    assert.equal(await s.recordPasskeyUse(p.id, { expectedCounter: 0, newCounter: 1, backedUp: true, usedAt: at(3) }), true, 'it may start counting')
    assert.equal(await s.recordPasskeyUse(p.id, { expectedCounter: 0, newCounter: 0, backedUp: true, usedAt: at(4) }), false, 'and then never drop to 0')
    assert.equal(await s.recordPasskeyUse(p.id, { expectedCounter: 1, newCounter: 0, backedUp: true, usedAt: at(4) }), false)
  })

  t('passkeys: rename and delete act only on the owner; deleting the user cascades', async (s) => {
    const u = await s.createUser(newUser('ren'))
    const other = await s.createUser(newUser('oth'))
    const p = newPasskey(u.id, 'cred-r')
    await s.createPasskey(p)
    assert.equal(await s.renamePasskey(other.id, p.id, 'Mine now', [ev('passkey.renamed.other')]), null, "another user's id")
    assert.equal(await s.deletePasskey(other.id, p.id, [ev('passkey.removed.other')]), false, "another user's id")
    assert.equal((await s.renamePasskey(u.id, p.id, 'Laptop', [ev('passkey.renamed')]))?.name, 'Laptop')
    assert.equal((await s.listPasskeys(u.id))[0]?.name, 'Laptop')
    assert.equal(await s.deletePasskey(u.id, p.id, [ev('passkey.removed')]), true)
    assert.equal(await s.deletePasskey(u.id, p.id, [ev('passkey.removed.again')]), false)
    assert.equal(await s.renamePasskey(u.id, p.id, 'Gone'), null)
    assert.deepEqual(
      (await s.scanAuditEvents(0, 10)).map((e) => e.type),
      ['passkey.renamed', 'passkey.removed'],
      'audit rows only for writes that happened, in their transaction',
    )
    await s.createPasskey(newPasskey(u.id, 'cred-r2'))
    await s.createWebauthnChallenge(challenge('reg-1', { ceremony: 'registration', userId: u.id }), 10)
    assert.equal(await s.deleteUser(u.id), true)
    assert.equal(await s.findPasskeyByCredentialId('cred-r2'), null)
    assert.equal(await s.consumeWebauthnChallenge('reg-1', 'registration', at(1)), null, "the user's challenges went with them")
  })

  t('challenges: single use, also concurrently; bound to their ceremony; expired ones are refused and purged', async (s) => {
    const u = await s.createUser(newUser('cha'))
    assert.equal(await s.createWebauthnChallenge(challenge('h1'), 10), 0)
    assert.equal(await s.consumeWebauthnChallenge('h1', 'registration', at(1)), null, 'another ceremony')
    const results = await Promise.all(Array.from({ length: 6 }, () => s.consumeWebauthnChallenge('h1', 'authentication', at(1))))
    assert.deepEqual(
      results.filter((r) => r !== null),
      [{ userId: null, data: null }],
      'exactly one spend wins',
    )
    assert.equal(await s.consumeWebauthnChallenge('h1', 'authentication', at(2)), null, 'spent')
    await s.createWebauthnChallenge(challenge('h2', { userId: u.id }), 10)
    assert.deepEqual(await s.consumeWebauthnChallenge('h2', 'authentication', at(299)), { userId: u.id, data: null })
    await s.createWebauthnChallenge(challenge('h3'), 10)
    assert.equal(await s.consumeWebauthnChallenge('h3', 'authentication', at(300)), null, 'expired at expiresAt')
    await s.createWebauthnChallenge(challenge('h4'), 10)
    assert.equal(await s.purgeWebauthnChallenges(at(299)), 0)
    assert.equal(await s.purgeWebauthnChallenges(at(301)), 2, 'h3 and h4')
  })

  t('challenges: one live registration per user; at the cap the oldest authentication challenges are evicted, and expired ones make room first', async (s) => {
    const u = await s.createUser(newUser('cap'))
    await s.createWebauthnChallenge(challenge('r1', { ceremony: 'registration', userId: u.id, data: 'handle-1' }), 1)
    await s.createWebauthnChallenge(challenge('r2', { ceremony: 'registration', userId: u.id, data: 'handle-2', createdAt: at(1) }), 1)
    assert.equal(await s.consumeWebauthnChallenge('r1', 'registration', at(2)), null, 'replaced by the newer one')
    assert.deepEqual(await s.consumeWebauthnChallenge('r2', 'registration', at(2)), { userId: u.id, data: 'handle-2' })
    const live = async (hashes: string[], now: Date) => {
      const found: string[] = []
      for (const h of hashes) if (await s.consumeWebauthnChallenge(h, 'authentication', now)) found.push(h)
      return found
    }
    // Created a second apart, a1 the oldest.
    for (const [i, h] of ['a1', 'a2', 'a3'].entries()) assert.equal(await s.createWebauthnChallenge(challenge(h, { createdAt: at(i) }), 3), 0, `${h}: room`)
    assert.equal(await s.createWebauthnChallenge(challenge('a4', { createdAt: at(3) }), 3), 1, 'at the cap: stored, the oldest evicted')
    assert.equal(
      await s.createWebauthnChallenge(challenge('r3', { ceremony: 'registration', userId: u.id, createdAt: at(4) }), 3),
      0,
      'registration (signed in, one per user) is not capped and evicts nothing',
    )
    assert.equal(await s.createWebauthnChallenge(challenge('a5', { createdAt: at(5) }), 2), 2, 'a smaller cap: as many go as it takes')
    assert.deepEqual(await live(['a1', 'a2', 'a3', 'a4', 'a5'], at(6)), ['a4', 'a5'], 'the newest cap-many are live')
    assert.deepEqual(await s.consumeWebauthnChallenge('r3', 'registration', at(6)), { userId: u.id, data: null }, 'registration untouched')

    for (const [i, h] of ['b1', 'b2', 'b3'].entries()) await s.createWebauthnChallenge(challenge(h, { createdAt: at(10 + i), expiresAt: at(20 + i) }), 3)
    assert.equal(await s.createWebauthnChallenge(challenge('b4', { createdAt: at(21), expiresAt: at(300) }), 3), 0, 'the expired ones went first: no eviction')
    assert.deepEqual(await live(['b1', 'b2', 'b3', 'b4'], at(21)), ['b3', 'b4'])
  })

  t('challenges: the cap holds under concurrent creation (one transaction each: count, evict, insert)', async (s) => {
    const hashes = Array.from({ length: 12 }, (_, i) => `c${i}`)
    const evicted = await Promise.all(hashes.map((h, i) => s.createWebauthnChallenge(challenge(h, { createdAt: at(i % 3) }), 4)))
    assert.equal(
      evicted.reduce((a, b) => a + b, 0),
      8,
      'every one stored, 8 evicted',
    )
    let left = 0
    for (const h of hashes) if (await s.consumeWebauthnChallenge(h, 'authentication', at(5))) left++
    assert.equal(left, 4, 'exactly the cap is live')
  })
}
