import assert from 'node:assert/strict'
import { test } from 'node:test'
import { verifyAuditChain } from '../../src/events/audit-log.js'
import { canonicalJson, chainEvent, eventHash } from '../../src/store/audit-chain.js'
import type { AuditEvent } from '../../src/store/store.js'

function chain(n: number): AuditEvent[] {
  const out: AuditEvent[] = []
  for (let i = 0; i < n; i++) {
    out.push(chainEvent(out.at(-1) ?? null, { type: 't', at: new Date(1000 * i), actorId: 'a', subjectId: `s${i}`, ip: null, userAgent: null, details: { i } }))
  }
  return out
}
const scanOf = (rows: AuditEvent[]) => ({ scanAuditEvents: async (after: number, limit: number) => rows.filter((r) => r.id > after).slice(0, limit) })

test('canonical JSON sorts keys at every depth', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } }), '{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}')
})

test('an intact chain verifies across pages and reports its head', async () => {
  const rows = chain(7)
  assert.deepEqual(await verifyAuditChain(scanOf(rows), 3), { ok: true, count: 7, head: rows[6]!.hash })
  assert.deepEqual(await verifyAuditChain(scanOf([]), 3), { ok: true, count: 0, head: '0'.repeat(64) })
})

test('an edit is named at the edited row; an edit that also recomputes its hash is named at the next row', async () => {
  const rows = chain(5)
  const edited = rows.map((r) => (r.id === 3 ? { ...r, subjectId: 'mallory' } : r))
  assert.deepEqual(await verifyAuditChain(scanOf(edited)), { ok: false, count: 2, brokenAt: 3, reason: 'its content does not match its hash (edited)' })
  const rehashed = rows.map((r) => (r.id === 3 ? { ...r, subjectId: 'mallory', hash: eventHash({ ...r, subjectId: 'mallory' }) } : r))
  const report = await verifyAuditChain(scanOf(rehashed))
  assert.equal(report.ok, false)
  if (!report.ok) assert.equal(report.brokenAt, 4)
})

test('a deleted row and an inserted (so renumbered) row are both named', async () => {
  const rows = chain(5)
  const deleted = rows.filter((r) => r.id !== 2)
  assert.deepEqual(await verifyAuditChain(scanOf(deleted)), { ok: false, count: 1, brokenAt: 3, reason: 'events 2..2 are missing (deleted)' })
  // An inserted row must take a number, so every later row is renumbered: their hashes no longer match.
  const forged = chainEvent(rows[1]!, { type: 'x', at: new Date(0), actorId: null, subjectId: null, ip: null, userAgent: null, details: {} })
  const shifted = [...rows.slice(0, 2), forged, ...rows.slice(2).map((r) => ({ ...r, id: r.id + 1 }))]
  const report = await verifyAuditChain(scanOf(shifted))
  assert.equal(report.ok, false)
  if (!report.ok) assert.equal(report.brokenAt, 4, 'the first renumbered original row')
})
