import type { Session, SessionStore, User } from '../store.js'
import { type Row, SESSION_COLS, type SqliteDb, toSession, toUser, USER_COLS_PREFIXED } from './sqlite-db.js'

const SESSION_WITH_USER = `SELECT ${SESSION_COLS}, ${USER_COLS_PREFIXED} FROM sessions s JOIN users u ON u.id = s.user_id`

export function sqliteSessions(d: SqliteDb): SessionStore {
  const load = (id: string): { session: Session; user: User } | null => {
    const r = d.q(`${SESSION_WITH_USER} WHERE s.id = ?`).get(id) as Row | undefined
    return r ? { session: toSession(r), user: toUser(r, 'u_') } : null
  }
  const end = (id: string, t: number) => d.q('UPDATE sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL').run(t, id).changes === 1

  return {
    async createSession(s) {
      const t = s.createdAt.getTime()
      d.tx(() => {
        d.q(
          `INSERT INTO sessions (id, user_id, scope, created_at, last_used_at, expires_at, idle_expires_at, user_agent, ip)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(s.id, s.userId, s.scope, t, t, s.expiresAt.getTime(), s.idleExpiresAt.getTime(), s.userAgent, s.ip)
        d.q('INSERT INTO refresh_tokens (token_hash, session_id, issued_at) VALUES (?, ?, ?)').run(s.refreshHash, s.id, t)
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
      return d.peekSessionWithUser(sessionId)
    },

    async findSessionWithUser(sessionId) {
      return d.cachedSessionWithUser(sessionId, () => load(sessionId))
    },

    async findSessionByRefreshHash(refreshHash) {
      const r = d
        .q(`SELECT ${SESSION_COLS}, ${USER_COLS_PREFIXED}, t.used_at AS t_used_at
            FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id JOIN users u ON u.id = s.user_id WHERE t.token_hash = ?`)
        .get(refreshHash) as Row | undefined
      return r ? { session: toSession(r), user: toUser(r, 'u_'), spent: r.t_used_at != null } : null
    },

    async listOpenSessions(userId) {
      const rows = d
        .q(`SELECT ${SESSION_COLS} FROM sessions s WHERE s.user_id = ? AND s.ended_at IS NULL ORDER BY s.created_at DESC, s.id`)
        .all(userId) as Row[]
      return rows.map(toSession)
    },

    async rotateRefreshToken(a) {
      d.invalidate()
      const t = a.now.getTime()
      // One IMMEDIATE transaction: the read and the compare-and-swap cannot interleave with another
      // process's rotation of the same token.
      return d.tx(() => {
        const tok = d.q('SELECT session_id, used_at, sealed_successor FROM refresh_tokens WHERE token_hash = ?').get(a.oldHash) as Row | undefined
        if (!tok) return { status: 'gone' } as const
        const found = load(tok.session_id as string)
        if (!found || found.session.endedAt) return { status: 'gone' } as const
        const { session, user } = found
        if (tok.used_at != null) {
          const withinGrace = t - (tok.used_at as number) < a.graceSeconds * 1000
          if (withinGrace && typeof tok.sealed_successor === 'string') {
            return { status: 'replayed', sealedSuccessor: tok.sealed_successor, session, user } as const
          }
          // RFC 9700 §4.14.2: a rotated token came back, so it leaked; end the whole session.
          end(session.id, t)
          return { status: 'reused', sessionId: session.id, userId: user.id } as const
        }
        // No grace, no seal: nothing could ever open it.
        const sealed = a.graceSeconds > 0 ? a.sealedSuccessor : null
        const cas = d.q('UPDATE refresh_tokens SET used_at = ?, sealed_successor = ? WHERE token_hash = ? AND used_at IS NULL').run(t, sealed, a.oldHash)
        if (cas.changes !== 1) return { status: 'gone' } as const
        d.q('INSERT INTO refresh_tokens (token_hash, session_id, issued_at) VALUES (?, ?, ?)').run(a.newHash, session.id, t)
        // Seals older than the grace can never be opened legitimately: drop them, so a copy of the
        // database and an old refresh token cannot walk the chain to the current one.
        d.q('UPDATE refresh_tokens SET sealed_successor = NULL WHERE session_id = ? AND used_at <= ? AND sealed_successor IS NOT NULL').run(
          session.id,
          t - a.graceSeconds * 1000,
        )
        const idle = Math.min(a.idleExpiresAt.getTime(), session.expiresAt.getTime())
        d.q('UPDATE sessions SET last_used_at = ?, idle_expires_at = ? WHERE id = ?').run(t, idle, session.id)
        return { status: 'rotated', session, user } as const
      })
    },

    async endSession(id, now) {
      d.invalidate()
      return end(id, now.getTime())
    },

    async endSessionByRefreshHash(refreshHash, now) {
      d.invalidate()
      const r = d
        .q(
          'UPDATE sessions SET ended_at = ? WHERE ended_at IS NULL AND id = (SELECT session_id FROM refresh_tokens WHERE token_hash = ?) RETURNING id, user_id',
        )
        .get(now.getTime(), refreshHash) as Row | undefined
      return r ? { id: r.id as string, userId: r.user_id as string } : null
    },

    async endSessionsForUser(userId, now, exceptId) {
      d.invalidate()
      return d.q('UPDATE sessions SET ended_at = ? WHERE user_id = ? AND ended_at IS NULL AND id IS NOT ?').run(now.getTime(), userId, exceptId ?? null).changes
    },

    async purgeSessions(before) {
      d.invalidate()
      const t = before.getTime()
      // Spent refresh tokens of open sessions stay: they are what reuse detection recognises.
      // Only their sealed successors go once no grace can need them (see rotateRefreshToken).
      return d.q('DELETE FROM sessions WHERE ended_at < ? OR expires_at < ? OR idle_expires_at < ?').run(t, t, t).changes
    },
  }
}
