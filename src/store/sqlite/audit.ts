import { chainEvent } from '../audit-chain.js'
import type { AuditStore } from '../store.js'
import { type Row, type SqliteDb, toEvent } from './sqlite-db.js'

export function sqliteAudit(d: SqliteDb): AuditStore {
  return {
    async appendAuditEvent(e) {
      // IMMEDIATE: reading the head and appending after it is one step, even across processes.
      return d.tx(() => {
        const head = d.q('SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1').get() as { id: number; hash: string } | undefined
        const row = chainEvent(head ?? null, e)
        d.q(
          'INSERT INTO audit_events (id, type, at, actor_id, subject_id, ip, user_agent, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        ).run(row.id, row.type, row.at.getTime(), row.actorId, row.subjectId, row.ip, row.userAgent, row.detailsJson, row.prevHash, row.hash)
        return row
      })
    },

    async listAuditEvents(q) {
      const where: string[] = []
      const args: unknown[] = []
      if (q.userId) where.push('(actor_id = ? OR subject_id = ?)'), args.push(q.userId, q.userId)
      if (q.type) where.push('type = ?'), args.push(q.type)
      if (q.since) where.push('at >= ?'), args.push(q.since.getTime())
      if (q.until) where.push('at < ?'), args.push(q.until.getTime())
      if (q.beforeId !== undefined) where.push('id < ?'), args.push(q.beforeId)
      const sql = `SELECT * FROM audit_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`
      return (d.q(sql).all(...args, q.limit) as Row[]).map(toEvent)
    },

    async scanAuditEvents(afterId, limit) {
      return (d.q('SELECT * FROM audit_events WHERE id > ? ORDER BY id LIMIT ?').all(afterId, limit) as Row[]).map(toEvent)
    },
  }
}
