import assert from 'node:assert/strict'
import { checkLink, GENESIS_HASH } from '../../../src/store/audit-chain.js'
import type { NewAuditEvent } from '../../../src/store/store.js'
import { StoreConflictError } from '../../../src/store/store.js'
import { at, newSession, newUser, type Open, storeTest } from './helpers.js'

const event = (type: string, seconds: number, over: Partial<NewAuditEvent> = {}): NewAuditEvent => ({
  type,
  at: at(seconds),
  actorId: null,
  subjectId: null,
  ip: '127.0.0.1',
  userAgent: 'ua',
  details: {},
  ...over,
})

export function auditStoreContract(name: string, open: Open): void {
  const t = storeTest(name, open)

  t('audit: appends chain from the genesis hash, numbered without gaps, details canonical', async (s) => {
    const a = await s.appendAuditEvent(event('login.failed', 1, { details: { z: 1, a: { y: 2, b: 3 } } }))
    const b = await s.appendAuditEvent(event('login.succeeded', 2, { actorId: 'u1', subjectId: 'u1' }))
    assert.equal(a.id, 1)
    assert.equal(a.prevHash, GENESIS_HASH)
    assert.equal(b.id, 2)
    assert.equal(b.prevHash, a.hash)
    assert.equal(a.detailsJson, '{"a":{"b":3,"y":2},"z":1}')
    assert.deepEqual(await s.scanAuditEvents(0, 10), [a, b])
    assert.deepEqual(await s.scanAuditEvents(1, 10), [b])
  })

  t('audit: concurrent appends never fork the chain', async (s) => {
    const rows = await Promise.all(Array.from({ length: 20 }, (_, i) => s.appendAuditEvent(event('x', i))))
    const all = await s.scanAuditEvents(0, 100)
    assert.deepEqual(
      all.map((e) => e.id),
      Array.from({ length: 20 }, (_, i) => i + 1),
    )
    for (let i = 1; i < all.length; i++) assert.equal(all[i]!.prevHash, all[i - 1]!.hash)
    assert.equal(new Set(rows.map((r) => r.id)).size, 20)
  })

  t('audit: listAuditEvents filters by user (actor or subject), type, time, and pages newest first', async (s) => {
    await s.appendAuditEvent(event('login.succeeded', 10, { actorId: 'u1', subjectId: 'u1' }))
    await s.appendAuditEvent(event('user.updated', 20, { actorId: 'admin', subjectId: 'u1' }))
    await s.appendAuditEvent(event('login.succeeded', 30, { actorId: 'u2', subjectId: 'u2' }))
    await s.appendAuditEvent(event('login.failed', 40, { subjectId: 'u1' }))
    const ids = async (q: Parameters<typeof s.listAuditEvents>[0]) => (await s.listAuditEvents(q)).map((e) => e.id)
    assert.deepEqual(await ids({ limit: 10 }), [4, 3, 2, 1])
    assert.deepEqual(await ids({ userId: 'u1', limit: 10 }), [4, 2, 1])
    assert.deepEqual(await ids({ userId: 'admin', limit: 10 }), [2])
    assert.deepEqual(await ids({ type: 'login.succeeded', limit: 10 }), [3, 1])
    assert.deepEqual(await ids({ since: at(20), until: at(40), limit: 10 }), [3, 2], 'since inclusive, until exclusive')
    assert.deepEqual(await ids({ beforeId: 3, limit: 1 }), [2])
  })

  // @see issue 12: a change and its audit row commit together, or neither does.
  t('audit: writes that take audit rows append them in their transaction, only when they changed something', async (s) => {
    await s.appendAuditEvent(event('key.rotated', 0))
    const u = await s.createUser(newUser('audra'), [event('user.registered', 1)])
    await assert.rejects(s.createUser(newUser('AUDRA'.toLowerCase()), [event('user.registered', 2)]), StoreConflictError)
    assert.equal(await s.updateUser(crypto.randomUUID(), { disabled: true }, at(3), [event('user.updated', 3)]), null)
    await s.updateUser(u.id, { disabled: true }, at(4), [event('user.updated', 4)])
    assert.equal(await s.updatePasswordHash(u.id, 'not the hash', 'h2', at(5), [event('password.changed', 5)]), false)
    const sess = await s.createSession(newSession(u.id, 'ah1'), [event('login.succeeded', 6)])
    assert.equal(await s.endSession(sess.id, at(7), [event('session.ended', 7)]), true)
    assert.equal(await s.endSession(sess.id, at(8), [event('session.ended', 8)]), false, 'already ended: no row')
    await s.createSession(newSession(u.id, 'ah2'))
    assert.equal(await s.endSessionsForUser(u.id, at(9), undefined, (n) => [event('session.ended', 9, { details: { count: n } })]), 1)
    assert.equal(await s.endSessionsForUser(u.id, at(10), undefined, (n) => [event('session.ended', 10, { details: { count: n } })]), 0)
    assert.equal(await s.deleteUser(u.id, [event('user.deleted', 11)]), true)
    assert.equal(await s.deleteUser(u.id, [event('user.deleted', 12)]), false)
    const rows = await s.scanAuditEvents(0, 100)
    assert.deepEqual(
      rows.map((r) => r.type),
      ['key.rotated', 'user.registered', 'user.updated', 'login.succeeded', 'session.ended', 'session.ended', 'user.deleted'],
    )
    assert.equal(rows[5]!.detailsJson, '{"count":1}')
    for (const [i, r] of rows.entries()) assert.equal(checkLink(i === 0 ? null : rows[i - 1]!, r), null, `event ${r.id} links to the one before`)
  })
}
