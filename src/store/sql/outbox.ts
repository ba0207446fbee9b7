import type { NewOutboxMessage, OutboxStore } from '../store.js'
import type { Db, Sql } from './db.js'

export const insertMail = (d: Db, c: Sql, m: NewOutboxMessage) =>
  c.run('INSERT INTO outbox (id, kind, data, to_address, subject, text, html, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', [
    m.id,
    m.kind ?? 'mail',
    m.data ?? null,
    m.to,
    m.subject,
    m.text,
    m.html,
    d.dialect.date(m.createdAt),
    d.dialect.date(m.createdAt),
  ])

export function sqlOutbox(d: Db): OutboxStore {
  const { toMessage } = d.rows
  const enc = d.dialect
  const due = 'next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)'
  const ANY_DUE = `SELECT 1 FROM outbox WHERE ${due} LIMIT 1`
  // One statement: the pick and the lease are one step (SQLite: a write statement holds the
  // database's write lock; PostgreSQL: SKIP LOCKED, so concurrent claimers take different rows).
  const CLAIM = `UPDATE outbox SET lease_until = ?, claim_id = ? WHERE id IN (
      SELECT id FROM outbox WHERE ${due} ORDER BY next_attempt_at LIMIT ?${enc.skipLocked})
    RETURNING *`
  return {
    async enqueueMail(m) {
      await insertMail(d, d, m)
    },

    async enqueueJob(job) {
      if (job.kind === 'mail') throw new Error("a job's kind cannot be 'mail'")
      await insertMail(d, d, { id: job.id, kind: job.kind, data: job.payload, to: null, subject: '', text: '', html: '', createdAt: job.createdAt })
    },

    async claimMail(now, limit, leaseSeconds) {
      const t = enc.date(now)
      // A cheap read first: most polls find nothing, and need not take the write lock.
      if (!(await d.one(ANY_DUE, [t, t]))) return []
      const rows = await d.q(CLAIM, [enc.date(new Date(now.getTime() + leaseSeconds * 1000)), crypto.randomUUID(), t, t, limit])
      const messages = rows.map((r) => ({ due: r.next_attempt_at as number | Date, m: toMessage(r) }))
      // RETURNING has no order: oldest due first, as claimed.
      return messages.sort((a, b) => Number(a.due) - Number(b.due)).map((x) => x.m)
    },

    async markMailSent(id, claimId) {
      await d.run('DELETE FROM outbox WHERE id = ? AND claim_id = ?', [id, claimId])
    },

    async markMailFailed(id, claimId, retryAt, error) {
      const sql =
        'UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, lease_until = NULL, claim_id = NULL, last_error = ? WHERE id = ? AND claim_id = ?'
      await d.run(sql, [enc.date(retryAt), error.slice(0, 500), id, claimId])
    },

    async purgeOutbox(before) {
      return d.run('DELETE FROM outbox WHERE created_at < ?', [enc.date(before)])
    },
  }
}
