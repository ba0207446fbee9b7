import type { OneTimeTokenStore } from '../store.js'
import type { Row, SqliteDb } from './sqlite-db.js'

export function sqliteOneTimeTokens(d: SqliteDb): OneTimeTokenStore {
  return {
    async createOneTimeToken(t, replace) {
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
