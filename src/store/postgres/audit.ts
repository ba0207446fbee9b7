import { chainEvent } from '../audit-chain.js'
import type { AuditStore } from '../store.js'
import { LOCKS, type PgDb, toEvent } from './pg-db.js'

export function postgresAudit(d: PgDb): AuditStore {
  // Appends run one at a time in this process too: waiting on the advisory lock would otherwise
  // hold one pooled connection per waiting append, and a burst of logins would drain the pool.
  let tail: Promise<unknown> = Promise.resolve()
  const oneAtATime = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn)
    tail = run.catch(() => {})
    return run
  }
  return {
    appendAuditEvent(e) {
      // The advisory lock serialises appends across instances: reading the head and appending
      // after it is one step, so the chain never forks.
      return oneAtATime(() =>
        d.tx(async (c) => {
          const head = await d.one('SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1', [], c)
          const row = chainEvent(head ? { id: Number(head.id), hash: head.hash as string } : null, e)
          await d.q(
            'INSERT INTO audit_events (id, type, at, actor_id, subject_id, ip, user_agent, details, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
            [row.id, row.type, row.at, row.actorId, row.subjectId, row.ip, row.userAgent, row.detailsJson, row.prevHash, row.hash],
            c,
          )
          return row
        }, LOCKS.audit),
      )
    },

    async listAuditEvents(q) {
      const where: string[] = []
      const args: unknown[] = []
      const add = (cond: (n: string) => string, v: unknown) => {
        args.push(v)
        where.push(cond(`$${args.length}`))
      }
      if (q.userId) add((n) => `(actor_id = ${n} OR subject_id = ${n})`, q.userId)
      if (q.type) add((n) => `type = ${n}`, q.type)
      if (q.since) add((n) => `at >= ${n}`, q.since)
      if (q.until) add((n) => `at < ${n}`, q.until)
      if (q.beforeId !== undefined) add((n) => `id < ${n}`, q.beforeId)
      args.push(q.limit)
      const sql = `SELECT * FROM audit_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${args.length}`
      return (await d.q(sql, args)).map(toEvent)
    },

    async scanAuditEvents(afterId, limit) {
      return (await d.q('SELECT * FROM audit_events WHERE id > $1 ORDER BY id LIMIT $2', [afterId, limit])).map(toEvent)
    },
  }
}
