import assert from 'node:assert/strict'
import type { NewOneTimeToken } from '../../../src/store/store.js'
import { at, newUser, type Open, storeTest, T0 } from './helpers.js'

export function oneTimeTokenStoreContract(name: string, open: Open): void {
  const t = storeTest(name, open)
  const token = (tokenHash: string, userId: string, over: Partial<NewOneTimeToken> = {}): NewOneTimeToken => ({
    tokenHash,
    userId,
    purpose: 'reset',
    data: null,
    createdAt: T0,
    expiresAt: at(3600),
    ...over,
  })

  t('one-time tokens: spent once, only for their purpose, only before expiry', async (s) => {
    const u = await s.createUser(newUser('olga'))
    await s.createOneTimeToken(token('t1', u.id, { data: 'new@x.io', purpose: 'verify' }), false)
    assert.equal(await s.consumeOneTimeToken('t1', 'reset', at(1)), null, 'another purpose')
    assert.deepEqual(await s.consumeOneTimeToken('t1', 'verify', at(1)), { userId: u.id, data: 'new@x.io' })
    assert.equal(await s.consumeOneTimeToken('t1', 'verify', at(2)), null, 'spent')
    await s.createOneTimeToken(token('t2', u.id), false)
    assert.equal(await s.consumeOneTimeToken('t2', 'reset', at(3600)), null, 'expired')
    assert.equal(await s.consumeOneTimeToken('nope', 'reset', at(1)), null)
  })

  t('one-time tokens: replace keeps one live token per user and purpose; concurrent spends get it once', async (s) => {
    const u = await s.createUser(newUser('pia'))
    await s.createOneTimeToken(token('r1', u.id), true)
    await s.createOneTimeToken(token('v1', u.id, { purpose: 'verify' }), true)
    await s.createOneTimeToken(token('r2', u.id), true)
    assert.equal(await s.consumeOneTimeToken('r1', 'reset', at(1)), null, 'replaced')
    assert.equal((await s.consumeOneTimeToken('v1', 'verify', at(1)))?.userId, u.id, 'other purposes untouched')
    const spends = await Promise.all(Array.from({ length: 6 }, () => s.consumeOneTimeToken('r2', 'reset', at(1))))
    assert.equal(spends.filter(Boolean).length, 1)
    await s.createOneTimeToken(token('old', u.id, { expiresAt: at(10) }), false)
    assert.equal(await s.purgeOneTimeTokens(at(11)), 1)
  })
}
