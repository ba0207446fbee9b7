import assert from 'node:assert/strict'
import type { NewAuthorizationCode, NewSession, Store } from '../../../src/store/store.js'
import { at, ev, newClient, newSession, newUser, T0, type Open, storeTest } from './helpers.js'

const newCode = (hash: string, userId: string, clientId: string, over: Partial<NewAuthorizationCode> = {}): NewAuthorizationCode => ({
  hash,
  clientId,
  userId,
  redirectUri: 'https://app.example/cb',
  codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  nonce: 'n-0S6_WzA2Mj',
  scope: 'openid profile',
  browserSessionId: crypto.randomUUID(),
  authTime: at(-30),
  amr: ['pwd', 'otp'],
  sessionId: crypto.randomUUID(),
  createdAt: T0,
  expiresAt: at(60),
  ...over,
})

/** The session the exchange creates: the one the code names. */
const sessionFor = (c: NewAuthorizationCode, over: Partial<NewSession> = {}): NewSession =>
  newSession(c.userId, `rt-${c.hash}`, { id: c.sessionId, clientId: c.clientId, scope: c.scope, amr: c.amr, authTime: c.authTime, createdAt: at(10), ...over })

/** A user and a client for the codes. */
async function setup(s: Store, name = 'olga', clientId = 'app1') {
  const u = await s.createUser(newUser(name))
  if (!(await s.findClient(clientId))) await s.createClient(newClient(clientId))
  return u
}

const hashes = async (s: Store, all: string[]) => {
  const found: string[] = []
  for (const h of all) if (await s.findAuthorizationCode(h)) found.push(h)
  return found
}

export function authorizationCodeStoreContract(name: string, open: Open): void {
  const t = storeTest(name, open)

  t('authorization codes: create and find (every field round-trips); unknown: null', async (s) => {
    const u = await setup(s)
    const c = newCode('h-find', u.id, 'app1')
    await s.createAuthorizationCode(c, 10)
    assert.deepEqual(await s.findAuthorizationCode('h-find'), { ...c, consumedAt: null })
    const bare = newCode('h-bare', u.id, 'app1', { nonce: null, amr: [] })
    await s.createAuthorizationCode(bare, 10)
    assert.deepEqual(await s.findAuthorizationCode('h-bare'), { ...bare, consumedAt: null })
    assert.equal(await s.findAuthorizationCode('nope'), null)
    assert.equal(await s.findAuthorizationCode('H-FIND'), null, 'hashes are case-sensitive')
  })

  t("authorization codes: redeemed once creates the code's session; again, a replay ends that session", async (s) => {
    const u = await setup(s)
    const c = newCode('h1', u.id, 'app1')
    await s.createAuthorizationCode(c, 10)
    const first = await s.redeemAuthorizationCode('h1', at(10), sessionFor(c), [ev('oidc.code_redeemed')])
    assert.equal(first.status, 'redeemed')
    if (first.status !== 'redeemed') return
    assert.equal(first.session.id, c.sessionId)
    assert.equal(first.session.clientId, 'app1')
    assert.equal(first.session.endedAt, null)
    const found = await s.findSessionWithUser(c.sessionId)
    assert.deepEqual(found?.session, first.session, 'stored as returned')
    assert.equal(found?.session.clientId, 'app1')
    assert.deepEqual(found?.session.amr, ['pwd', 'otp'])
    assert.equal(found?.user.id, u.id)
    assert.equal((await s.findSessionByRefreshHash('rt-h1'))?.session.id, c.sessionId, 'with its first refresh token')
    assert.deepEqual((await s.findAuthorizationCode('h1'))?.consumedAt, at(10))

    const again = await s.redeemAuthorizationCode('h1', at(12), sessionFor(c), [ev('oidc.code_redeemed')])
    assert.deepEqual(again, { status: 'replayed', sessionId: c.sessionId, ended: true, userId: u.id })
    assert.deepEqual((await s.findSessionWithUser(c.sessionId))?.session.endedAt, at(12), 'ended, and the cache follows')
    assert.equal(s.peekSessionWithUser(c.sessionId)?.session.endedAt === null, false, 'no stale peek')
    const third = await s.redeemAuthorizationCode('h1', at(14), sessionFor(c))
    assert.deepEqual(third, { status: 'replayed', sessionId: c.sessionId, ended: false, userId: u.id }, 'already ended')
    assert.deepEqual((await s.findSessionWithUser(c.sessionId))?.session.endedAt, at(12), 'its end stays')
    assert.deepEqual(
      (await s.scanAuditEvents(0, 10)).map((e) => e.type),
      ['oidc.code_redeemed'],
      'audit only for the redemption',
    )
  })

  t('authorization codes: of 8 concurrent redemptions of one code exactly one redeems; the others are replays', async (s) => {
    const u = await setup(s)
    const c = newCode('h-race', u.id, 'app1')
    await s.createAuthorizationCode(c, 10)
    const results = await Promise.all(Array.from({ length: 8 }, () => s.redeemAuthorizationCode('h-race', at(10), sessionFor(c))))
    assert.equal(results.filter((r) => r.status === 'redeemed').length, 1)
    const replays = results.filter((r) => r.status === 'replayed')
    assert.equal(replays.length, 7)
    assert.equal(replays.filter((r) => r.ended).length, 1, 'the first replay ends the session, the rest find it ended')
    assert.ok((await s.findSessionWithUser(c.sessionId))?.session.endedAt)
    assert.equal((await s.listOpenSessions(u.id)).length, 0, 'exactly one session was created, and it is ended')
  })

  t('authorization codes: expired or unknown is invalid and creates nothing; a consumed one stays a replay after it expires', async (s) => {
    const u = await setup(s)
    const c = newCode('h-old', u.id, 'app1', { expiresAt: at(60) })
    await s.createAuthorizationCode(c, 10)
    assert.deepEqual(
      await s.redeemAuthorizationCode('h-old', at(60), sessionFor(c), [ev('oidc.code_redeemed')]),
      { status: 'invalid' },
      'expired at its expiry',
    )
    assert.equal(await s.findSessionWithUser(c.sessionId), null, 'no session')
    assert.equal((await s.findAuthorizationCode('h-old'))?.consumedAt, null, 'not consumed')
    assert.deepEqual(await s.redeemAuthorizationCode('unknown', at(1), sessionFor(c)), { status: 'invalid' })
    assert.deepEqual(await s.scanAuditEvents(0, 10), [])

    const d = newCode('h-late', u.id, 'app1', { expiresAt: at(60) })
    await s.createAuthorizationCode(d, 10)
    assert.equal((await s.redeemAuthorizationCode('h-late', at(59), sessionFor(d))).status, 'redeemed')
    assert.deepEqual(await s.redeemAuthorizationCode('h-late', at(600), sessionFor(d)), {
      status: 'replayed',
      sessionId: d.sessionId,
      ended: true,
      userId: u.id,
    })
  })

  t("authorization codes: a session that is not the code's is refused and nothing changes", async (s) => {
    const u = await setup(s)
    const other = await s.createUser(newUser('otto'))
    const c = newCode('h-m', u.id, 'app1')
    await s.createAuthorizationCode(c, 10)
    for (const wrong of [sessionFor(c, { id: crypto.randomUUID() }), sessionFor(c, { userId: other.id }), sessionFor(c, { clientId: null })]) {
      await assert.rejects(s.redeemAuthorizationCode('h-m', at(10), wrong, [ev('oidc.code_redeemed')]))
      assert.equal((await s.findAuthorizationCode('h-m'))?.consumedAt, null)
      assert.equal(await s.findSessionWithUser(wrong.id), null)
    }
    assert.deepEqual(await s.scanAuditEvents(0, 10), [])
    assert.equal((await s.redeemAuthorizationCode('h-m', at(10), sessionFor(c))).status, 'redeemed', 'the code still works')
  })

  t("authorization codes: the cap per user evicts the user's oldest unconsumed codes, never the new one, never another user's", async (s) => {
    const u = await setup(s)
    const v = await setup(s, 'vera')
    const mk = (h: string, sec: number, user = u.id) => newCode(h, user, 'app1', { createdAt: at(sec), expiresAt: at(sec + 600) })
    const used = mk('a', 1)
    await s.createAuthorizationCode(used, 3)
    await s.redeemAuthorizationCode('a', at(2), sessionFor(used))
    await s.createAuthorizationCode(mk('v1', 0, v.id), 3)
    for (const [h, sec] of [
      ['b', 2],
      ['c', 3],
      ['d', 4],
    ] as const)
      await s.createAuthorizationCode(mk(h, sec), 3)
    const all = ['a', 'b', 'c', 'd', 'e', 'f', 'v1']
    assert.deepEqual(await hashes(s, all), ['a', 'b', 'c', 'd', 'v1'], 'three unconsumed: at the cap, none evicted')
    await s.createAuthorizationCode(mk('e', 5), 3)
    assert.deepEqual(await hashes(s, all), ['a', 'c', 'd', 'e', 'v1'], 'the oldest unconsumed went; the consumed one stays')
    await s.createAuthorizationCode(mk('f', 0), 3)
    assert.deepEqual(await hashes(s, all), ['a', 'd', 'e', 'f', 'v1'], 'the new code stays even when it is the oldest')
    await s.createAuthorizationCode(mk('g', 6), 0)
    assert.deepEqual(await hashes(s, [...all, 'g']), ['a', 'v1', 'g'], 'a cap below 1 keeps one')
  })

  t('authorization codes: purge deletes codes expired before the cut-off, consumed or not', async (s) => {
    const u = await setup(s)
    const used = newCode('p1', u.id, 'app1', { expiresAt: at(60) })
    await s.createAuthorizationCode(used, 10)
    await s.redeemAuthorizationCode('p1', at(10), sessionFor(used))
    await s.createAuthorizationCode(newCode('p2', u.id, 'app1', { expiresAt: at(60) }), 10)
    await s.createAuthorizationCode(newCode('p3', u.id, 'app1', { expiresAt: at(120) }), 10)
    assert.equal(await s.purgeAuthorizationCodes(at(60)), 0, 'none expired before it')
    assert.equal(await s.purgeAuthorizationCodes(at(61)), 2)
    assert.deepEqual(await hashes(s, ['p1', 'p2', 'p3']), ['p3'])
    assert.equal((await s.findSessionWithUser(used.sessionId))?.session.endedAt, null, 'the session it created stays')
    assert.deepEqual(await s.redeemAuthorizationCode('p1', at(62), sessionFor(used)), { status: 'invalid' }, 'purged: no longer recognised')
  })

  t("authorization codes: deleting the client deletes its codes and ends the sessions they created; deleting the user, the user's", async (s) => {
    const u = await setup(s)
    await s.createClient(newClient('app2'))
    const redeemed = newCode('x1', u.id, 'app1')
    await s.createAuthorizationCode(redeemed, 10)
    await s.redeemAuthorizationCode('x1', at(10), sessionFor(redeemed))
    const pending = newCode('x2', u.id, 'app1')
    await s.createAuthorizationCode(pending, 10)
    await s.createAuthorizationCode(newCode('y1', u.id, 'app2'), 10)
    assert.equal(await s.deleteClient('app1', at(20)), 1, "the redeemed code's session")
    assert.deepEqual(await hashes(s, ['x1', 'x2', 'y1']), ['y1'])
    assert.deepEqual(await s.redeemAuthorizationCode('x2', at(21), sessionFor(pending)), { status: 'invalid' })
    assert.deepEqual((await s.findSessionWithUser(redeemed.sessionId))?.session.endedAt, at(20))
    const w = await setup(s, 'walt', 'app2')
    await s.createAuthorizationCode(newCode('w1', w.id, 'app2'), 10)
    assert.equal(await s.deleteUser(u.id), true)
    assert.deepEqual(await hashes(s, ['y1', 'w1']), ['w1'], "only the deleted user's")
  })
}
