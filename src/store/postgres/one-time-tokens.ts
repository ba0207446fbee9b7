import type { NewOutboxMessage, OneTimeTokenStore, OutboxStore } from '../store.js'
import { type PgDb, type Queryable, toMessage } from './pg-db.js'

const insertMail = (d: PgDb, m: NewOutboxMessage, c?: Queryable) =>
  d.q(
    'INSERT INTO outbox (id, kind, data, to_address, subject, text, html, created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)',
    [m.id, m.kind ?? 'mail', m.data ?? null, m.to, m.subject, m.text, m.html, m.createdAt],
    c,
  )

export function postgresOneTimeTokens(d: PgDb): OneTimeTokenStore {
  return {
    async createOneTimeToken(t, replace, mail) {
      // One transaction: the token and the message that carries it exist together or not at all.
      await d.tx(async (c) => {
        if (replace) await d.q('DELETE FROM one_time_tokens WHERE user_id = $1 AND purpose = $2', [t.userId, t.purpose], c)
        await d.q(
          'INSERT INTO one_time_tokens (token_hash, user_id, purpose, data, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)',
          [t.tokenHash, t.userId, t.purpose, t.data, t.createdAt, t.expiresAt],
          c,
        )
        if (mail) await insertMail(d, mail, c)
      })
    },

    async findOneTimeToken(tokenHash, purpose, now) {
      const r = await d.one('SELECT user_id, data FROM one_time_tokens WHERE token_hash = $1 AND purpose = $2 AND expires_at > $3', [tokenHash, purpose, now])
      return r ? { userId: r.user_id as string, data: (r.data as string | null) ?? null } : null
    },

    async deleteOneTimeTokens(userId, purposes) {
      await d.q('DELETE FROM one_time_tokens WHERE user_id = $1 AND purpose = ANY($2)', [userId, purposes])
    },

    async consumeOneTimeToken(tokenHash, purpose, now) {
      // One DELETE ... RETURNING: of two concurrent spends, exactly one gets the row.
      const r = await d.one('DELETE FROM one_time_tokens WHERE token_hash = $1 AND purpose = $2 AND expires_at > $3 RETURNING user_id, data', [
        tokenHash,
        purpose,
        now,
      ])
      return r ? { userId: r.user_id as string, data: (r.data as string | null) ?? null } : null
    },

    async purgeOneTimeTokens(before) {
      return (await d.q('DELETE FROM one_time_tokens WHERE expires_at < $1 RETURNING token_hash', [before])).length
    },
  }
}

export function postgresOutbox(d: PgDb): OutboxStore {
  return {
    async enqueueMail(m) {
      await insertMail(d, m)
    },

    async claimMail(now, limit, leaseSeconds) {
      // SKIP LOCKED: concurrent claimers take different rows instead of queueing on the same ones.
      const rows = await d.q(
        `UPDATE outbox SET lease_until = $2, claim_id = $4 WHERE id IN (
           SELECT id FROM outbox WHERE next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
           ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
         RETURNING *`,
        [now, new Date(now.getTime() + leaseSeconds * 1000), limit, crypto.randomUUID()],
      )
      return rows.map(toMessage)
    },

    async markMailSent(id, claimId) {
      await d.q('DELETE FROM outbox WHERE id = $1 AND claim_id = $2', [id, claimId])
    },

    async markMailFailed(id, claimId, retryAt, error) {
      const sql =
        'UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $3, lease_until = NULL, claim_id = NULL, last_error = $4 WHERE id = $1 AND claim_id = $2'
      await d.q(sql, [id, claimId, retryAt, error.slice(0, 500)])
    },

    async purgeOutbox(before) {
      return (await d.q('DELETE FROM outbox WHERE created_at < $1 RETURNING id', [before])).length
    },
  }
}
