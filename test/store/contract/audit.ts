import assert from 'node:assert/strict'
import { GENESIS_HASH } from '../../../src/store/audit-chain.js'
import type { NewAuditEvent } from '../../../src/store/store.js'
import { at, type Open, storeTest } from './helpers.js'

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
}
