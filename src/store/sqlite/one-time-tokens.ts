import type { NewOutboxMessage, OneTimeTokenStore, OutboxStore } from '../store.js'
import { type Row, type SqliteDb, toMessage } from './sqlite-db.js'

const insertMail = (d: SqliteDb, m: NewOutboxMessage) =>
  d
    .q('INSERT INTO outbox (id, kind, data, to_address, subject, text, html, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
    .run(m.id, m.kind ?? 'mail', m.data ?? null, m.to, m.subject, m.text, m.html, m.createdAt.getTime(), m.createdAt.getTime())

export function sqliteOneTimeTokens(d: SqliteDb): OneTimeTokenStore {
  return {
    async createOneTimeToken(t, replace, mail) {
      // One transaction: the token and the message that carries it exist together or not at all.
      d.tx(() => {
        if (replace) d.q('DELETE FROM one_time_tokens WHERE user_id = ? AND purpose = ?').run(t.userId, t.purpose)
        d.q('INSERT INTO one_time_tokens (token_hash, user_id, purpose, data, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)').run(
          t.tokenHash,
          t.userId,
          t.purpose,
          t.data,
          t.createdAt.getTime(),
          t.expiresAt.getTime(),
        )
        if (mail) insertMail(d, mail)
      })
    },

    async findOneTimeToken(tokenHash, purpose, now) {
      const r = d
        .q('SELECT user_id, data FROM one_time_tokens WHERE token_hash = ? AND purpose = ? AND expires_at > ?')
        .get(tokenHash, purpose, now.getTime()) as Row | undefined
      return r ? { userId: r.user_id as string, data: (r.data as string | null) ?? null } : null
    },

    async deleteOneTimeTokens(userId, purposes) {
      d.tx(() => {
        for (const p of purposes) d.q('DELETE FROM one_time_tokens WHERE user_id = ? AND purpose = ?').run(userId, p)
      })
    },

    async consumeOneTimeToken(tokenHash, purpose, now) {
      // One DELETE ... RETURNING: of two concurrent spends, exactly one gets the row.
      const r = d
        .q('DELETE FROM one_time_tokens WHERE token_hash = ? AND purpose = ? AND expires_at > ? RETURNING user_id, data')
        .get(tokenHash, purpose, now.getTime()) as Row | undefined
      return r ? { userId: r.user_id as string, data: (r.data as string | null) ?? null } : null
    },

    async purgeOneTimeTokens(before) {
      return d.q('DELETE FROM one_time_tokens WHERE expires_at < ?').run(before.getTime()).changes
    },
  }
}

export function sqliteOutbox(d: SqliteDb): OutboxStore {
  const due = 'next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)'
  return {
    async enqueueMail(m) {
      insertMail(d, m)
    },

    async claimMail(now, limit, leaseSeconds) {
      const t = now.getTime()
      // A cheap read first: most polls find nothing, and need not take the write lock.
      if (!d.q(`SELECT 1 FROM outbox WHERE ${due} LIMIT 1`).get(t, t)) return []
      // IMMEDIATE: the select and the lease are one step across processes (workers, the CLI).
      return d.tx(() => {
        const rows = d.q(`SELECT * FROM outbox WHERE ${due} ORDER BY next_attempt_at LIMIT ?`).all(t, t, limit) as Row[]
        const claimId = crypto.randomUUID()
        for (const r of rows) d.q('UPDATE outbox SET lease_until = ?, claim_id = ? WHERE id = ?').run(t + leaseSeconds * 1000, claimId, r.id)
        return rows.map((r) => toMessage({ ...r, claim_id: claimId }))
      })
    },

    async markMailSent(id, claimId) {
      d.q('DELETE FROM outbox WHERE id = ? AND claim_id = ?').run(id, claimId)
    },

    async markMailFailed(id, claimId, retryAt, error) {
      const sql =
        'UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, lease_until = NULL, claim_id = NULL, last_error = ? WHERE id = ? AND claim_id = ?'
      d.q(sql).run(retryAt.getTime(), error.slice(0, 500), id, claimId)
    },

    async purgeOutbox(before) {
      return d.q('DELETE FROM outbox WHERE created_at < ?').run(before.getTime()).changes
    },
  }
}
