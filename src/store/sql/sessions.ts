import { SESSION_COLS, USER_COLS_PREFIXED } from '../rows.js'
import type { NewSession, RotateResult, Session, SessionStore, User } from '../store.js'
import { audited } from './audit.js'
import type { Db, Sql } from './db.js'
import { decideRotation } from './rotation.js'

const SESSION_WITH_USER = `SELECT ${SESSION_COLS}, ${USER_COLS_PREFIXED} FROM sessions s JOIN users u ON u.id = s.user_id`
const INSERT_SESSION = `INSERT INTO sessions (id, user_id, scope, created_at, last_used_at, expires_at, idle_expires_at, user_agent, ip, amr, auth_time, client_id)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
const INSERT_TOKEN = 'INSERT INTO refresh_tokens (token_hash, session_id, issued_at) VALUES (?, ?, ?)'
const END = 'UPDATE sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL'

/**
 * Inserts a session with its first refresh token, inside the caller's transaction `c` (a session
 * is also created by redeeming an authorization code, in that transaction). @returns it as stored.
 */
export async function insertSession(d: Db, c: Sql, s: NewSession): Promise<Session> {
  const enc = d.dialect
  const t = enc.date(s.createdAt)
  const args = [
    s.id,
    s.userId,
    s.scope,
    t,
    t,
    enc.date(s.expiresAt),
    enc.date(s.idleExpiresAt),
    s.userAgent,
    s.ip,
    enc.list(s.amr),
    enc.date(s.authTime),
    s.clientId ?? null,
  ]
  await c.run(INSERT_SESSION, args)
  await c.run(INSERT_TOKEN, [s.refreshHash, s.id, t])
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
    amr: [...s.amr],
    authTime: s.authTime,
    clientId: s.clientId ?? null,
  }
}

export function sqlSessions(d: Db): SessionStore {
  const { toSession, toUser, toRefreshToken } = d.rows
  const enc = d.dialect
  // Every SQL text is fixed here, once: the hot paths build no strings.
  const BY_ID = `${SESSION_WITH_USER} WHERE s.id = ?`
  // Lock order: the session row, then the token row (the order ON DELETE CASCADE takes them in,
  // so a rotation never deadlocks with a user's deletion). Concurrent rotations of one token queue
  // on the session's row; the second then reads the token spent.
  const BY_ID_LOCKED = `${SESSION_WITH_USER} WHERE s.id = ?${enc.forUpdate('s')}`
  const TOKEN_LOCKED = `SELECT used_at, sealed_successor FROM refresh_tokens WHERE token_hash = ?${enc.forUpdate()}`
  const BY_REFRESH = `SELECT ${SESSION_COLS}, ${USER_COLS_PREFIXED}, t.used_at AS t_used_at
    FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id JOIN users u ON u.id = s.user_id WHERE t.token_hash = ?`
  const END_FOR_USER = `UPDATE sessions SET ended_at = ? WHERE user_id = ? AND ended_at IS NULL AND id ${enc.isDistinctFrom} ?`

  const load = async (c: Sql, sql: string, id: string): Promise<{ session: Session; user: User } | null> => {
    const r = await c.one(sql, [id])
    return r ? { session: toSession(r), user: toUser(r, 'u_') } : null
  }

  const rotate = (a: Parameters<SessionStore['rotateRefreshToken']>[0]) =>
    d.tx(async (c): Promise<RotateResult> => {
      const owner = await c.one('SELECT session_id FROM refresh_tokens WHERE token_hash = ?', [a.oldHash])
      if (!owner) return { status: 'gone' }
      const found = await load(c, BY_ID_LOCKED, owner.session_id as string)
      const tok = found && (await c.one(TOKEN_LOCKED, [a.oldHash]))
      const decision = decideRotation(tok ? toRefreshToken(tok) : null, found?.session ?? null, a)
      if (decision.action === 'gone' || !found) return { status: 'gone' }
      const { session, user } = found
      if (decision.action === 'replay') return { status: 'replayed', sealedSuccessor: decision.sealedSuccessor, session, user }
      const t = enc.date(a.now)
      if (decision.action === 'reuse') {
        await c.run(END, [t, session.id])
        return { status: 'reused', sessionId: session.id, userId: user.id }
      }
      const cas = 'UPDATE refresh_tokens SET used_at = ?, sealed_successor = ? WHERE token_hash = ? AND used_at IS NULL'
      if ((await c.run(cas, [t, decision.sealed, a.oldHash])) !== 1) return { status: 'gone' }
      await c.run(INSERT_TOKEN, [a.newHash, session.id, t])
      await c.run('UPDATE refresh_tokens SET sealed_successor = NULL WHERE session_id = ? AND used_at <= ? AND sealed_successor IS NOT NULL', [
        session.id,
        enc.date(decision.dropSealsUsedBy),
      ])
      await c.run('UPDATE sessions SET last_used_at = ?, idle_expires_at = ? WHERE id = ?', [t, enc.date(decision.idleExpiresAt), session.id])
      return { status: 'rotated', session, user }
    })

  return {
    createSession(s, audit) {
      return audited(
        d,
        audit,
        (_c, tx) => tx((c) => insertSession(d, c, s)),
        () => true,
      )
    },

    peekSessionWithUser(sessionId) {
      return d.cache.peek(sessionId)
    },

    findSessionWithUser(sessionId) {
      return d.cache.get(sessionId, () => load(d, BY_ID, sessionId))
    },

    async findSessionByRefreshHash(refreshHash) {
      const r = await d.one(BY_REFRESH, [refreshHash])
      return r ? { session: toSession(r), user: toUser(r, 'u_'), spent: r.t_used_at != null } : null
    },

    async listOpenSessions(userId) {
      const rows = await d.q(`SELECT ${SESSION_COLS} FROM sessions s WHERE s.user_id = ? AND s.ended_at IS NULL ORDER BY s.created_at DESC, s.id`, [userId])
      return rows.map(toSession)
    },

    async rotateRefreshToken(a) {
      const result = await rotate(a)
      if (result.status === 'rotated') d.changed({ kind: 'session', id: result.session.id })
      if (result.status === 'reused') d.changed({ kind: 'session', id: result.sessionId })
      return result
    },

    async touchSession(id, now, idleExpiresAt) {
      // Never past the absolute end; never an ended or expired session (touching revives nothing).
      const n = await d.run(
        `UPDATE sessions SET last_used_at = ?, idle_expires_at = CASE WHEN expires_at < ? THEN expires_at ELSE ? END
         WHERE id = ? AND ended_at IS NULL AND expires_at > ? AND idle_expires_at > ?`,
        [enc.date(now), enc.date(idleExpiresAt), enc.date(idleExpiresAt), id, enc.date(now), enc.date(now)],
      )
      if (n === 1) d.changed({ kind: 'session', id })
      return n === 1
    },

    async endSession(id, now, audit) {
      const n = await audited(
        d,
        audit,
        (c) => c.run(END, [enc.date(now), id]),
        (n) => n === 1,
      )
      d.changed({ kind: 'session', id })
      return n === 1
    },

    async endSessionByRefreshHash(refreshHash, now) {
      const r = await d.one(
        'UPDATE sessions SET ended_at = ? WHERE ended_at IS NULL AND id = (SELECT session_id FROM refresh_tokens WHERE token_hash = ?) RETURNING id, user_id',
        [enc.date(now), refreshHash],
      )
      if (!r) return null
      d.changed({ kind: 'session', id: r.id as string })
      return { id: r.id as string, userId: r.user_id as string }
    },

    async endSessionsForUser(userId, now, exceptId, audit) {
      const n = await audited(
        d,
        audit,
        (c) => c.run(END_FOR_USER, [enc.date(now), userId, exceptId ?? null]),
        (n) => n > 0,
      )
      d.changed({ kind: 'user', id: userId })
      return n
    },

    async purgeSessions(before) {
      const t = enc.date(before)
      // Spent refresh tokens of open sessions stay: they are what reuse detection recognises.
      // Only their sealed successors go once no grace can need them (see rotate).
      const n = await d.run('DELETE FROM sessions WHERE ended_at < ? OR expires_at < ? OR idle_expires_at < ?', [t, t, t])
      if (n > 0) d.changed({ kind: 'all' })
      return n
    },
  }
}
