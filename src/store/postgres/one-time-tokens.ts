import type { OneTimeTokenStore } from '../store.js'
import type { PgDb } from './pg-db.js'

export function postgresOneTimeTokens(d: PgDb): OneTimeTokenStore {
  return {
    async createOneTimeToken(t, replace) {
      await d.tx(async (c) => {
        if (replace) await d.q('DELETE FROM one_time_tokens WHERE user_id = $1 AND purpose = $2', [t.userId, t.purpose], c)
        await d.q(
          'INSERT INTO one_time_tokens (token_hash, user_id, purpose, data, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)',
          [t.tokenHash, t.userId, t.purpose, t.data, t.createdAt, t.expiresAt],
          c,
        )
      })
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
