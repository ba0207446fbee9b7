import type { OneTimeTokenStore } from '../store.js'
import type { Db, Row } from './db.js'
import { insertMail } from './outbox.js'

const found = (r: Row | undefined) => (r ? { userId: r.user_id as string, data: (r.data as string | null) ?? null } : null)

export function sqlOneTimeTokens(d: Db): OneTimeTokenStore {
  const enc = d.dialect
  const DELETE_PURPOSES = `DELETE FROM one_time_tokens WHERE user_id = ? AND purpose IN (SELECT v.value FROM ${enc.listTable})`
  return {
    async createOneTimeToken(t, replace, mail) {
      // One transaction: the token and the message that carries it exist together or not at all.
      await d.tx(async (c) => {
        if (replace) await c.run('DELETE FROM one_time_tokens WHERE user_id = ? AND purpose = ?', [t.userId, t.purpose])
        await c.run('INSERT INTO one_time_tokens (token_hash, user_id, purpose, data, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)', [
          t.tokenHash,
          t.userId,
          t.purpose,
          t.data,
          enc.date(t.createdAt),
          enc.date(t.expiresAt),
        ])
        if (mail) await insertMail(d, c, mail)
      })
    },

    async findOneTimeToken(tokenHash, purpose, now) {
      return found(
        await d.one('SELECT user_id, data FROM one_time_tokens WHERE token_hash = ? AND purpose = ? AND expires_at > ?', [tokenHash, purpose, enc.date(now)]),
      )
    },

    async deleteOneTimeTokens(userId, purposes) {
      await d.run(DELETE_PURPOSES, [userId, enc.list(purposes)])
    },

    async consumeOneTimeToken(tokenHash, purpose, now) {
      // One DELETE ... RETURNING: of two concurrent spends, exactly one gets the row.
      const sql = 'DELETE FROM one_time_tokens WHERE token_hash = ? AND purpose = ? AND expires_at > ? RETURNING user_id, data'
      return found(await d.one(sql, [tokenHash, purpose, enc.date(now)]))
    },

    async purgeOneTimeTokens(before) {
      return d.run('DELETE FROM one_time_tokens WHERE expires_at < ?', [enc.date(before)])
    },
  }
}
