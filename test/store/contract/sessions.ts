import assert from 'node:assert/strict'
import type { RotateArgs, Store } from '../../../src/store/store.js'
import { at, newSession, newUser, type Open, storeTest } from './helpers.js'

const rot = (oldHash: string, newHash: string, seconds: number, graceSeconds = 0): RotateArgs => ({
  oldHash,
  newHash,
  sealedSuccessor: `sealed:${newHash}`,
  now: at(seconds),
  idleExpiresAt: at(seconds + 600),
  graceSeconds,
})

export function sessionStoreContract(name: string, open: Open): void {
  const t = storeTest(name, open)
  const openIds = async (s: Store, userId: string) => (await s.listOpenSessions(userId)).map((x) => x.id)

  t('sessions: create, find with user, list open ones, end', async (s) => {
    const u = await s.createUser(newUser('erin'))
    const a = await s.createSession(newSession(u.id, 'h-a'))
    const b = await s.createSession(newSession(u.id, 'h-b', { createdAt: at(1) }))
    const found = await s.findSessionWithUser(a.id)
    assert.equal(found?.user.id, u.id)
    assert.deepEqual(found?.session, a)
    const peeked = s.peekSessionWithUser(a.id)
    assert.ok(peeked === undefined || (peeked.session.id === a.id && peeked.user.id === u.id), 'a peek is a miss or the same answer')
    assert.deepEqual(await openIds(s, u.id), [b.id, a.id], 'newest first')
    assert.equal(await s.endSession(a.id, at(3)), true)
    assert.equal(await s.endSession(a.id, at(4)), false, 'already ended')
    assert.deepEqual((await s.findSessionWithUser(a.id))?.session.endedAt, at(3))
    assert.ok(s.peekSessionWithUser(a.id)?.session.endedAt !== null, 'an ending write never leaves a stale peek')
    assert.deepEqual(await openIds(s, u.id), [b.id])
    assert.equal(await s.findSessionWithUser(crypto.randomUUID()), null)
  })

  t('rotation: rotated, then (no grace) the old hash is reuse and ends the session', async (s) => {
    const u = await s.createUser(newUser('frank'))
    const sess = await s.createSession(newSession(u.id, 'h1'))
    const r1 = await s.rotateRefreshToken(rot('h1', 'h2', 10))
    assert.equal(r1.status, 'rotated')
    if (r1.status === 'rotated') {
      assert.equal(r1.session.id, sess.id)
      assert.equal(r1.user.id, u.id)
    }
    const after = await s.findSessionWithUser(sess.id)
    assert.deepEqual(after?.session.lastUsedAt, at(10))
    assert.deepEqual(after?.session.idleExpiresAt, at(610), 'idle end moved forward')
    assert.equal((await s.findSessionByRefreshHash('h1'))?.spent, true)
    assert.equal((await s.findSessionByRefreshHash('h2'))?.spent, false)
    assert.equal(await s.findSessionByRefreshHash('nope'), null)
    assert.deepEqual(await s.rotateRefreshToken(rot('h1', 'h3', 20)), { status: 'reused', sessionId: sess.id, userId: u.id })
    assert.ok((await s.findSessionWithUser(sess.id))?.session.endedAt)
    assert.deepEqual(await s.rotateRefreshToken(rot('h2', 'h4', 30)), { status: 'gone' })
    assert.deepEqual(await s.rotateRefreshToken(rot('unknown', 'h5', 30)), { status: 'gone' })
  })

  t('rotation with a grace: a replay within it returns the sealed successor and changes nothing; after it, reuse', async (s) => {
    const u = await s.createUser(newUser('gail'))
    const sess = await s.createSession(newSession(u.id, 'g1'))
    assert.equal((await s.rotateRefreshToken(rot('g1', 'g2', 100, 10))).status, 'rotated')
    const replay = await s.rotateRefreshToken(rot('g1', 'g3', 109, 10))
    assert.equal(replay.status, 'replayed')
    if (replay.status === 'replayed') assert.equal(replay.sealedSuccessor, 'sealed:g2', 'the successor of the first rotation, not a fork')
    assert.equal(await s.findSessionByRefreshHash('g3'), null, 'no new token was stored')
    assert.equal((await s.findSessionByRefreshHash('g2'))?.spent, false)
    assert.equal((await s.rotateRefreshToken(rot('g1', 'g4', 110, 10))).status, 'reused', 'the grace has passed')
    assert.ok((await s.findSessionWithUser(sess.id))?.session.endedAt)
  })

  t("rotation: the idle end never passes the absolute end; liveness is the caller's to judge", async (s) => {
    const u = await s.createUser(newUser('gina'))
    const sess = await s.createSession(newSession(u.id, 'i1'))
    await s.rotateRefreshToken({ ...rot('i1', 'i2', 500), idleExpiresAt: at(99999) })
    assert.deepEqual((await s.findSessionWithUser(sess.id))?.session.idleExpiresAt, at(3600), 'capped at the absolute end')
    const late = await s.rotateRefreshToken(rot('i2', 'i3', 4000))
    assert.equal(late.status, 'rotated')
    if (late.status === 'rotated') assert.deepEqual(late.session.expiresAt, at(3600), 'the session as it was, for isLive to refuse')
  })

  t('concurrent rotations of one token: exactly one rotates', async (s) => {
    const u = await s.createUser(newUser('hank'))
    await s.createSession(newSession(u.id, 'k1'))
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => s.rotateRefreshToken(rot('k1', `k-new-${i}`, 5, 10))))
    assert.equal(results.filter((r) => r.status === 'rotated').length, 1)
    assert.equal(results.filter((r) => r.status === 'replayed').length, 7)
  })

  t('touch: last use and idle end move (never past the absolute end); an ended session is not touched', async (s) => {
    const u = await s.createUser(newUser('tess'))
    const a = await s.createSession(newSession(u.id, 't1'))
    assert.equal(await s.touchSession(a.id, at(100), at(700)), true)
    let found = (await s.findSessionWithUser(a.id))?.session
    assert.deepEqual(found?.lastUsedAt, at(100))
    assert.deepEqual(found?.idleExpiresAt, at(700))
    assert.equal(await s.touchSession(a.id, at(650), at(9999)), true)
    found = (await s.findSessionWithUser(a.id))?.session
    assert.deepEqual(found?.idleExpiresAt, at(3600), 'capped at the absolute end')
    assert.deepEqual(found?.expiresAt, at(3600), 'the absolute end never moves')
    assert.equal(await s.touchSession(a.id, at(3600), at(3700)), false, 'at its absolute end: not revived')
    const idle = await s.createSession(newSession(u.id, 't2'))
    assert.equal(await s.touchSession(idle.id, at(601), at(1200)), false, 'past its idle end: not revived')
    assert.deepEqual((await s.findSessionWithUser(idle.id))?.session.idleExpiresAt, at(600))
    await s.endSession(a.id, at(3100))
    assert.equal(await s.touchSession(a.id, at(3200), at(3500)), false)
    assert.equal(await s.touchSession(crypto.randomUUID(), at(3200), at(3500)), false)
  })

  t('ending by refresh hash (current or rotated) and for a whole user', async (s) => {
    const u = await s.createUser(newUser('ivy'))
    const a = await s.createSession(newSession(u.id, 'a1'))
    await s.rotateRefreshToken(rot('a1', 'a2', 1))
    assert.deepEqual(await s.endSessionByRefreshHash('a1', at(2)), { id: a.id, userId: u.id }, 'a rotated token still names its session')
    assert.equal(await s.endSessionByRefreshHash('a2', at(3)), null, 'already ended')
    assert.equal(await s.endSessionByRefreshHash('zzz', at(3)), null)
    const b = await s.createSession(newSession(u.id, 'b1'))
    await s.createSession(newSession(u.id, 'c1'))
    await s.createSession(newSession(u.id, 'd1'))
    assert.equal(await s.endSessionsForUser(u.id, at(4), b.id), 2)
    assert.deepEqual(await openIds(s, u.id), [b.id])
  })

  t('purgeSessions deletes ended and expired sessions older than the cut-off with their tokens; spent tokens of open sessions stay', async (s) => {
    const u = await s.createUser(newUser('kim'))
    const ended = await s.createSession(newSession(u.id, 'p1'))
    await s.endSession(ended.id, at(10))
    const expired = await s.createSession(newSession(u.id, 'p2', { expiresAt: at(20), idleExpiresAt: at(20) }))
    const live = await s.createSession(newSession(u.id, 'p3', { expiresAt: at(9000), idleExpiresAt: at(9000) }))
    await s.rotateRefreshToken({ ...rot('p3', 'p4', 30), idleExpiresAt: at(9000) })
    assert.equal(await s.purgeSessions(at(5)), 0, 'nothing is old enough')
    assert.equal(await s.purgeSessions(at(100)), 2, 'the ended and the expired session')
    assert.equal(await s.findSessionWithUser(ended.id), null)
    assert.equal(await s.findSessionWithUser(expired.id), null)
    assert.equal((await s.findSessionWithUser(live.id))?.session.id, live.id)
    assert.equal((await s.findSessionByRefreshHash('p3'))?.spent, true, 'the spent token stays: reuse detection needs it')
    assert.equal(await s.findSessionByRefreshHash('p1'), null, "the purged session's token went with it")
    assert.equal((await s.findSessionByRefreshHash('p4'))?.session.id, live.id, 'the current one stays')
  })
}
