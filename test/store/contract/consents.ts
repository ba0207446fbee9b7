import assert from 'node:assert/strict'
import type { NewAuthorizationCode, Store } from '../../../src/store/store.js'
import { at, ev, newClient, newSession, newUser, T0, type Open, storeTest } from './helpers.js'

const code = (hash: string, userId: string, clientId: string): NewAuthorizationCode => ({
  hash,
  clientId,
  userId,
  redirectUri: 'https://app.example/cb',
  codeChallenge: 'challenge',
  nonce: null,
  scope: 'openid',
  browserSessionId: crypto.randomUUID(),
  authTime: T0,
  amr: ['pwd'],
  sessionId: crypto.randomUUID(),
  createdAt: T0,
  expiresAt: at(600),
})

async function clients(s: Store, ...ids: string[]) {
  for (const id of ids) await s.createClient(newClient(id))
}

export function consentStoreContract(name: string, open: Open): void {
  const t = storeTest(name, open)

  t('consents: grant, find, widen (the union, granted again now); list newest first; audit per grant', async (s) => {
    const u = await s.createUser(newUser('cora'))
    await clients(s, 'c1', 'c2', 'c3')
    assert.equal(await s.findConsent(u.id, 'c1'), null)
    assert.deepEqual(await s.listConsents(u.id), [])
    const first = await s.grantConsent(u.id, 'c1', ['openid', 'profile', 'openid'], at(1), [ev('consent.granted')])
    assert.deepEqual(first, { userId: u.id, clientId: 'c1', scopes: ['openid', 'profile'], grantedAt: at(1) })
    assert.deepEqual(await s.findConsent(u.id, 'c1'), first)
    await s.grantConsent(u.id, 'c2', ['openid'], at(2))
    await s.grantConsent(u.id, 'c3', ['openid'], at(3))
    const widened = await s.grantConsent(u.id, 'c1', ['email', 'profile'], at(4), [ev('consent.granted')])
    assert.deepEqual(widened, { userId: u.id, clientId: 'c1', scopes: ['openid', 'profile', 'email'], grantedAt: at(4) })
    assert.deepEqual(await s.findConsent(u.id, 'c1'), widened)
    const narrower = await s.grantConsent(u.id, 'c1', ['openid'], at(5))
    assert.deepEqual(narrower.scopes, ['openid', 'profile', 'email'], 'a grant never narrows')
    assert.deepEqual(
      (await s.listConsents(u.id)).map((c) => [c.clientId, c.grantedAt.getTime()]),
      [
        ['c1', at(5).getTime()],
        ['c3', at(3).getTime()],
        ['c2', at(2).getTime()],
      ],
    )
    const other = await s.createUser(newUser('dirk'))
    assert.deepEqual(await s.listConsents(other.id), [], "another user's are not listed")
    assert.equal(await s.findConsent(other.id, 'c1'), null)
    assert.deepEqual(
      (await s.scanAuditEvents(0, 10)).map((e) => e.type),
      ['consent.granted', 'consent.granted'],
    )
  })

  t('consents: concurrent grants to one client all land (the union of every one)', async (s) => {
    const u = await s.createUser(newUser('erik'))
    await clients(s, 'c1')
    const scopes = Array.from({ length: 8 }, (_, i) => `s${i}`)
    await Promise.all(scopes.map((sc, i) => s.grantConsent(u.id, 'c1', ['openid', sc], at(i))))
    assert.deepEqual((await s.findConsent(u.id, 'c1'))?.scopes.sort(), ['openid', ...scopes].sort())
  })

  t("consents: revoke ends only that client's open sessions of that user and deletes that user's codes for it; absent: null", async (s) => {
    const u = await s.createUser(newUser('fay'))
    const v = await s.createUser(newUser('gus'))
    await clients(s, 'c1', 'c2')
    await s.grantConsent(u.id, 'c1', ['openid'], at(1))
    await s.grantConsent(u.id, 'c2', ['openid'], at(1))
    await s.grantConsent(v.id, 'c1', ['openid'], at(1))
    const mine1 = await s.createSession(newSession(u.id, 'r1', { clientId: 'c1' }))
    const mine2 = await s.createSession(newSession(u.id, 'r2', { clientId: 'c1' }))
    const endedBefore = await s.createSession(newSession(u.id, 'r3', { clientId: 'c1' }))
    await s.endSession(endedBefore.id, at(2))
    const otherClient = await s.createSession(newSession(u.id, 'r4', { clientId: 'c2' }))
    const plain = await s.createSession(newSession(u.id, 'r5'))
    const otherUser = await s.createSession(newSession(v.id, 'r6', { clientId: 'c1' }))
    for (const c of [code('k-u1', u.id, 'c1'), code('k-u2', u.id, 'c2'), code('k-v1', v.id, 'c1')]) await s.createAuthorizationCode(c, 10)
    assert.equal((await s.findSessionWithUser(mine1.id))?.session.endedAt, null, 'cached while open')

    let counted = -1
    const n = await s.revokeConsent(u.id, 'c1', at(50), (k) => {
      counted = k
      return [{ ...ev('consent.revoked'), details: { sessions_ended: k } }]
    })
    assert.equal(n, 2)
    assert.equal(counted, 2)
    const endOf = async (id: string) => (await s.findSessionWithUser(id))?.session.endedAt?.getTime() ?? null
    assert.equal(await endOf(mine1.id), at(50).getTime(), 'ended, and the cache follows')
    assert.equal(await endOf(mine2.id), at(50).getTime())
    assert.equal(await endOf(endedBefore.id), at(2).getTime(), 'an ended session keeps its end')
    assert.equal(await endOf(otherClient.id), null, "another client's session stays")
    assert.equal(await endOf(plain.id), null)
    assert.equal(await endOf(otherUser.id), null, "another user's session stays")
    assert.equal(await s.findConsent(u.id, 'c1'), null)
    assert.ok(await s.findConsent(u.id, 'c2'))
    assert.ok(await s.findConsent(v.id, 'c1'))
    assert.equal(await s.findAuthorizationCode('k-u1'), null, 'a code issued before cannot be redeemed after')
    assert.ok(await s.findAuthorizationCode('k-u2'))
    assert.ok(await s.findAuthorizationCode('k-v1'))

    assert.equal(await s.revokeConsent(u.id, 'c1', at(60), () => [ev('consent.revoked')]), null, 'already revoked')
    assert.equal(await s.revokeConsent(u.id, 'nope', at(60), () => [ev('consent.revoked')]), null)
    assert.deepEqual(
      (await s.scanAuditEvents(0, 10)).map((e) => [e.type, e.detailsJson]),
      [['consent.revoked', JSON.stringify({ sessions_ended: 2 })]],
    )
  })

  t("consents: deleting the client deletes its consents (every user's); deleting the user, the user's", async (s) => {
    const u = await s.createUser(newUser('hedy'))
    const v = await s.createUser(newUser('ivan'))
    await clients(s, 'c1', 'c2')
    await s.grantConsent(u.id, 'c1', ['openid'], at(1))
    await s.grantConsent(u.id, 'c2', ['openid'], at(2))
    await s.grantConsent(v.id, 'c1', ['openid'], at(3))
    await s.grantConsent(v.id, 'c2', ['openid'], at(4))
    assert.equal(await s.deleteClient('c1', at(10)), 0)
    assert.deepEqual(
      (await s.listConsents(u.id)).map((c) => c.clientId),
      ['c2'],
    )
    assert.deepEqual(
      (await s.listConsents(v.id)).map((c) => c.clientId),
      ['c2'],
    )
    assert.equal(await s.revokeConsent(u.id, 'c1', at(11)), null, 'nothing left to revoke')
    assert.equal(await s.deleteUser(u.id), true)
    assert.deepEqual(await s.listConsents(u.id), [])
    assert.deepEqual(
      (await s.listConsents(v.id)).map((c) => c.clientId),
      ['c2'],
      "another user's stay",
    )
  })
}
