import type { Session, SessionStore, User } from '../store.js'
import { type PgDb, type Queryable, SESSION_COLS, toSession, toUser, USER_COLS_PREFIXED } from './pg-db.js'

const SESSION_WITH_USER = `SELECT ${SESSION_COLS}, ${USER_COLS_PREFIXED} FROM sessions s JOIN users u ON u.id = s.user_id`

export function postgresSessions(d: PgDb): SessionStore {
  const load = async (id: string, on?: Queryable, lock = ''): Promise<{ session: Session; user: User } | null> => {
    const r = await d.one(`${SESSION_WITH_USER} WHERE s.id = $1${lock}`, [id], on)
    return r ? { session: toSession(r), user: toUser(r, 'u_') } : null
  }

  return {
    async createSession(s) {
      await d.tx(async (c) => {
        await d.q(
          `INSERT INTO sessions (id, user_id, scope, created_at, last_used_at, expires_at, idle_expires_at, user_agent, ip)
           VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8)`,
          [s.id, s.userId, s.scope, s.createdAt, s.expiresAt, s.idleExpiresAt, s.userAgent, s.ip],
          c,
        )
        await d.q('INSERT INTO refresh_tokens (token_hash, session_id, issued_at) VALUES ($1, $2, $3)', [s.refreshHash, s.id, s.createdAt], c)
      })
      return {
        id: s.id,
        userId: s.userId,
        scope: s.scope,
        createdAt: s.createdAt,
        lastUsedAt: s.createdAt,
        expiresAt: s.expiresAt,
        idleExpiresAt: s.idleExpiresAt,
        endedAt: null,
        userAgent: s.userAgent,
        ip: s.ip,
      }
    },

    peekSessionWithUser(sessionId) {
      return d.cache.peek(sessionId)
    },

    async findSessionWithUser(sessionId) {
      return d.cache.get(sessionId, () => load(sessionId))
    },

    async findSessionByRefreshHash(refreshHash) {
      const r = await d.one(
        `SELECT ${SESSION_COLS}, ${USER_COLS_PREFIXED}, t.used_at AS t_used_at
         FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id JOIN users u ON u.id = s.user_id WHERE t.token_hash = $1`,
        [refreshHash],
      )
      return r ? { session: toSession(r), user: toUser(r, 'u_'), spent: r.t_used_at != null } : null
    },

    async listOpenSessions(userId) {
      const rows = await d.q(`SELECT ${SESSION_COLS} FROM sessions s WHERE s.user_id = $1 AND s.ended_at IS NULL ORDER BY s.created_at DESC, s.id`, [userId])
      return rows.map(toSession)
    },

    async rotateRefreshToken(a) {
      const result = await d.tx(async (c) => {
        // Lock order: the session row, then the token row (the order ON DELETE CASCADE takes them
        // in, so a rotation never deadlocks with a user's deletion). Concurrent rotations of one
        // token queue on the session's row; the second then reads the token spent.
        const owner = await d.one('SELECT session_id FROM refresh_tokens WHERE token_hash = $1', [a.oldHash], c)
        if (!owner) return { status: 'gone' } as const
        const found = await load(owner.session_id as string, c, ' FOR UPDATE OF s')
        if (!found || found.session.endedAt) return { status: 'gone' } as const
        const { session, user } = found
        const tok = await d.one('SELECT used_at, sealed_successor FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE', [a.oldHash], c)
        if (!tok) return { status: 'gone' } as const
        if (tok.used_at != null) {
          const withinGrace = a.now.getTime() - (tok.used_at as Date).getTime() < a.graceSeconds * 1000
          if (withinGrace && typeof tok.sealed_successor === 'string') {
            return { status: 'replayed', sealedSuccessor: tok.sealed_successor, session, user } as const
          }
          // RFC 9700 §4.14.2: a rotated token came back, so it leaked; end the whole session.
          await d.q('UPDATE sessions SET ended_at = $1 WHERE id = $2 AND ended_at IS NULL', [a.now, session.id], c)
          return { status: 'reused', sessionId: session.id, userId: user.id } as const
        }
        const sealed = a.graceSeconds > 0 ? a.sealedSuccessor : null
        await d.q('UPDATE refresh_tokens SET used_at = $1, sealed_successor = $2 WHERE token_hash = $3', [a.now, sealed, a.oldHash], c)
        await d.q('INSERT INTO refresh_tokens (token_hash, session_id, issued_at) VALUES ($1, $2, $3)', [a.newHash, session.id, a.now], c)
        // Seals older than the grace can never be opened legitimately (see the SQLite back end).
        await d.q(
          'UPDATE refresh_tokens SET sealed_successor = NULL WHERE session_id = $1 AND used_at <= $2 AND sealed_successor IS NOT NULL',
          [session.id, new Date(a.now.getTime() - a.graceSeconds * 1000)],
          c,
        )
        const idle = new Date(Math.min(a.idleExpiresAt.getTime(), session.expiresAt.getTime()))
        await d.q('UPDATE sessions SET last_used_at = $1, idle_expires_at = $2 WHERE id = $3', [a.now, idle, session.id], c)
        return { status: 'rotated', session, user } as const
      })
      if (result.status === 'rotated') d.changed({ kind: 'session', id: result.session.id })
      if (result.status === 'reused') d.changed({ kind: 'session', id: result.sessionId })
      return result
    },

    async endSession(id, now) {
      const r = await d.q('UPDATE sessions SET ended_at = $1 WHERE id = $2 AND ended_at IS NULL RETURNING id', [now, id])
      d.changed({ kind: 'session', id })
      return r.length === 1
    },

    async endSessionByRefreshHash(refreshHash, now) {
      const r = await d.one(
        'UPDATE sessions SET ended_at = $1 WHERE ended_at IS NULL AND id = (SELECT session_id FROM refresh_tokens WHERE token_hash = $2) RETURNING id, user_id',
        [now, refreshHash],
      )
      if (!r) return null
      d.changed({ kind: 'session', id: r.id as string })
      return { id: r.id as string, userId: r.user_id as string }
    },

    async endSessionsForUser(userId, now, exceptId) {
      const r = await d.q('UPDATE sessions SET ended_at = $1 WHERE user_id = $2 AND ended_at IS NULL AND id IS DISTINCT FROM $3 RETURNING id', [
        now,
        userId,
        exceptId ?? null,
      ])
      d.changed({ kind: 'user', id: userId })
      return r.length
    },

    async purgeSessions(before) {
      // Spent refresh tokens of open sessions stay: they are what reuse detection recognises.
      const r = await d.q('DELETE FROM sessions WHERE ended_at < $1 OR expires_at < $1 OR idle_expires_at < $1 RETURNING id', [before])
      if (r.length > 0) d.changed({ kind: 'all' })
      return r.length
    },
  }
}
