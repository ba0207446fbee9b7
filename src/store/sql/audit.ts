import { chainEvent } from '../audit-chain.js'
import type { AuditEvent, AuditStore, NewAuditEvent } from '../store.js'
import { type Db, LOCKS, type Sql } from './db.js'

const HEAD = 'SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1'
const INSERT = 'INSERT INTO audit_events (id, type, at, actor_id, subject_id, ip, user_agent, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'

/**
 * Appends `events` after the current head, inside the caller's transaction `c`, which must hold
 * the audit lock (`LOCKS.audit`: PostgreSQL's advisory lock; SQLite's IMMEDIATE transaction):
 * reading the head and appending after it is then one step, so concurrent appends never fork the chain.
 */
export async function appendAuditIn(d: Db, c: Sql, events: readonly NewAuditEvent[]): Promise<AuditEvent[]> {
  const r = await c.one(HEAD)
  let head = r ? { id: Number(r.id), hash: r.hash as string } : null
  const out: AuditEvent[] = []
  for (const e of events) {
    const row = chainEvent(head, e)
    await c.run(INSERT, [row.id, row.type, d.dialect.date(row.at), row.actorId, row.subjectId, row.ip, row.userAgent, row.detailsJson, row.prevHash, row.hash])
    out.push(row)
    head = row
  }
  return out
}

/**
 * A write with optional audit events: without any, `fn` runs as it is (on the database, or in its
 * own transaction if it opens one through `tx`); with some, `fn` and the append share one
 * transaction under the audit lock, and the events are appended only when `wrote(result)`.
 * A write that throws (a conflict) rolls back and appends nothing. `audit` may be a function of
 * the result, for rows that say what only the write knows (how many sessions it ended).
 */
export async function audited<T>(
  d: Db,
  audit: readonly NewAuditEvent[] | ((result: T) => readonly NewAuditEvent[]) | undefined,
  fn: (c: Sql, tx: <U>(inner: (c: Sql) => Promise<U>) => Promise<U>) => Promise<T>,
  wrote: (result: T) => boolean,
): Promise<T> {
  if (!audit || (typeof audit !== 'function' && audit.length === 0)) return fn(d, (inner) => d.tx(inner))
  return d.tx(async (c) => {
    const out = await fn(c, (inner) => inner(c))
    if (wrote(out)) await appendAuditIn(d, c, typeof audit === 'function' ? audit(out) : audit)
    return out
  }, LOCKS.audit)
}

export function sqlAudit(d: Db): AuditStore {
  const { toEvent } = d.rows
  return {
    // Not async: the transaction's own promise is returned (PostgreSQL's in-process audit queue
    // already handles it), so a failure that nobody awaits yet is not an unhandled rejection.
    appendAuditEvent(e) {
      return d.tx(async (c) => (await appendAuditIn(d, c, [e]))[0]!, LOCKS.audit)
    },

    async listAuditEvents(q) {
      const where: string[] = []
      const args: unknown[] = []
      if (q.userId) where.push('(actor_id = ? OR subject_id = ?)'), args.push(q.userId, q.userId)
      if (q.type) where.push('type = ?'), args.push(q.type)
      if (q.since) where.push('at >= ?'), args.push(d.dialect.date(q.since))
      if (q.until) where.push('at < ?'), args.push(d.dialect.date(q.until))
      if (q.beforeId !== undefined) where.push('id < ?'), args.push(q.beforeId)
      const sql = `SELECT * FROM audit_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`
      return (await d.q(sql, [...args, q.limit])).map(toEvent)
    },

    async scanAuditEvents(afterId, limit) {
      return (await d.q('SELECT * FROM audit_events WHERE id > ? ORDER BY id LIMIT ?', [afterId, limit])).map(toEvent)
    },
  }
}
