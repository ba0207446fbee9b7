import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import {
  StoreConflictError,
  type NewSession,
  type NewUser,
  type RotateResult,
  type Session,
  type SigningKeyRow,
  type Store,
  type User,
  type UserPatch,
} from '../store.js'
import { SQLITE_MIGRATIONS } from './migrations.js'
import {
  SESSION_CACHE_MAX,
  SESSION_COLS,
  SESSION_WITH_USER,
  SESSION_WITH_USER_AND_SPENT,
  SESSION_WITH_USER_WIDTH,
  toKey,
  toSession,
  toSessionWithUser,
  toUser,
  USER_COLS,
  USER_WIDTH,
} from './rows.js'

type Row = Record<string, unknown>

function conflictFrom(err: unknown): StoreConflictError | null {
  const e = err as { code?: string; message?: string }
  if (e.code !== 'SQLITE_CONSTRAINT_UNIQUE' && e.code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') return null
  if (e.message?.includes('users.username_key')) return new StoreConflictError('username')
  if (e.message?.includes('users.email_key')) return new StoreConflictError('email')
  return null
}

/**
 * Opens (creating when needed) a SQLite database: `:memory:` or a file path.
 * WAL for concurrent readers, synchronous=FULL so a committed write survives power loss.
 */
export function openSqliteStore(path: string): Store {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.pragma('foreign_keys = ON')
  db.pragma('busy_timeout = 5000')
  return new SqliteStore(db)
}

class SqliteStore implements Store {
  private readonly stmts = new Map<string, Database.Statement>()
  private readonly rawStmts = new Map<string, Database.Statement>()
  /**
   * The guard reads a session and its user on every request. Cached here and dropped whole on
   * any write of ours that could change one, and whenever `PRAGMA data_version` shows another
   * connection (another instance, the CLI) committed. The pragma (~4 µs) runs at most once per
   * millisecond: our own writes are seen at once, another process's within 1 ms.
   */
  private readonly sessionCache = new Map<string, { session: Session; user: User }>()
  private cacheVersion: unknown = null
  private versionCheckedAt = -Infinity
  private readonly dataVersion: Database.Statement

  constructor(private readonly db: Database.Database) {
    this.dataVersion = db.prepare('PRAGMA data_version').pluck()
  }

  /** Called by every write that can change a cached session or user. */
  private invalidate(): void {
    this.sessionCache.clear()
  }

  /** Prepares each SQL text once. */
  private q(sql: string): Database.Statement {
    let s = this.stmts.get(sql)
    if (!s) {
      s = this.db.prepare(sql)
      this.stmts.set(sql, s)
    }
    return s
  }

  /** Prepares each SQL text once, in raw (array) mode. */
  private raw(sql: string): Database.Statement {
    let st = this.rawStmts.get(sql)
    if (!st) {
      st = this.db.prepare(sql).raw(true)
      this.rawStmts.set(sql, st)
    }
    return st
  }

  async migrate(): Promise<void> {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)')
    // IMMEDIATE takes the write lock first, so two processes never apply one migration twice.
    this.db
      .transaction(() => {
        const done = new Set((this.db.prepare('SELECT version FROM schema_migrations').all() as Row[]).map((r) => r.version))
        for (const m of SQLITE_MIGRATIONS) {
          if (done.has(m.version)) continue
          this.db.exec(m.sql)
          this.db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now())
        }
      })
      .immediate()
  }

  async ping(): Promise<void> {
    this.q('SELECT 1').get()
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close()
  }

  async createUser(u: NewUser): Promise<User> {
    const t = u.createdAt.getTime()
    try {
      this.q(
        `INSERT INTO users (id, username, username_key, email, email_key, password_hash, roles, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(u.id, u.username, u.usernameKey, u.email, u.emailKey, u.passwordHash, JSON.stringify(u.roles), t, t)
    } catch (err) {
      throw conflictFrom(err) ?? err
    }
    return {
      id: u.id,
      username: u.username,
      email: u.email,
      emailVerified: false,
      roles: [...u.roles],
      disabled: false,
      createdAt: u.createdAt,
      updatedAt: u.createdAt,
    }
  }

  async findUserById(id: string): Promise<User | null> {
    const r = this.raw(`SELECT ${USER_COLS} FROM users u WHERE u.id = ?`).get(id) as unknown[] | undefined
    return r ? toUser(r) : null
  }

  async findUserForLogin(usernameKey: string): Promise<(User & { passwordHash: string }) | null> {
    const r = this.raw(`SELECT ${USER_COLS}, u.password_hash FROM users u WHERE u.username_key = ?`).get(usernameKey) as unknown[] | undefined
    return r ? { ...toUser(r), passwordHash: r[USER_WIDTH] as string } : null
  }

  async findPasswordHash(userId: string): Promise<string | null> {
    const r = this.q('SELECT password_hash FROM users WHERE id = ?').get(userId) as Row | undefined
    return r ? (r.password_hash as string) : null
  }

  async updateUser(id: string, patch: UserPatch, now: Date): Promise<User | null> {
    this.invalidate()
    const sets: string[] = []
    const args: unknown[] = []
    if (patch.email) sets.push('email = ?', 'email_key = ?'), args.push(patch.email.email, patch.email.emailKey)
    if (patch.emailVerified !== undefined) sets.push('email_verified = ?'), args.push(patch.emailVerified ? 1 : 0)
    if (patch.roles) sets.push('roles = ?'), args.push(JSON.stringify(patch.roles))
    if (patch.disabled !== undefined) sets.push('disabled = ?'), args.push(patch.disabled ? 1 : 0)
    sets.push('updated_at = ?')
    args.push(now.getTime(), id)
    try {
      const info = this.db.prepare(`UPDATE users SET ${sets.join(', ')} WHERE id = ?`).run(...args)
      if (info.changes === 0) return null
    } catch (err) {
      throw conflictFrom(err) ?? err
    }
    return this.findUserById(id)
  }

  async updatePasswordHash(id: string, oldHash: string, newHash: string, now: Date): Promise<boolean> {
    this.invalidate()
    const info = this.q('UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ? AND password_hash = ?').run(newHash, now.getTime(), id, oldHash)
    return info.changes === 1
  }

  async deleteUser(id: string): Promise<boolean> {
    this.invalidate()
    return this.q('DELETE FROM users WHERE id = ?').run(id).changes === 1
  }

  async createSession(s: NewSession): Promise<Session> {
    const t = s.createdAt.getTime()
    this.db.transaction(() => {
      this.q(
        `INSERT INTO sessions (id, user_id, scope, created_at, last_used_at, expires_at, idle_expires_at, user_agent, ip)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(s.id, s.userId, s.scope, t, t, s.expiresAt.getTime(), s.idleExpiresAt.getTime(), s.userAgent, s.ip)
      this.q('INSERT INTO refresh_tokens (token_hash, session_id, issued_at) VALUES (?, ?, ?)').run(s.refreshHash, s.id, t)
    })()
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
  }

  async findSessionWithUser(sessionId: string): Promise<{ session: Session; user: User } | null> {
    const t = performance.now()
    if (t - this.versionCheckedAt >= 1) {
      this.versionCheckedAt = t
      const version = this.dataVersion.get()
      if (version !== this.cacheVersion) {
        this.sessionCache.clear()
        this.cacheVersion = version
      }
    }
    const hit = this.sessionCache.get(sessionId)
    if (hit) return hit
    const r = this.raw(`${SESSION_WITH_USER} WHERE s.id = ?`).get(sessionId) as unknown[] | undefined
    if (!r) return null
    const found = toSessionWithUser(r)
    Object.freeze(found.session)
    Object.freeze(found.user.roles)
    Object.freeze(found.user)
    if (this.sessionCache.size >= SESSION_CACHE_MAX) this.sessionCache.clear()
    this.sessionCache.set(sessionId, found)
    return found
  }

  async findSessionByRefreshHash(refreshHash: string): Promise<{ session: Session; user: User; spent: boolean } | null> {
    const r = this.raw(`${SESSION_WITH_USER_AND_SPENT} JOIN refresh_tokens t ON t.session_id = s.id WHERE t.token_hash = ?`).get(refreshHash) as
      | unknown[]
      | undefined
    return r ? { ...toSessionWithUser(r), spent: r[SESSION_WITH_USER_WIDTH] != null } : null
  }

  async listSessionsForUser(userId: string, now: Date): Promise<Session[]> {
    const t = now.getTime()
    const rows = this.raw(
      `SELECT ${SESSION_COLS} FROM sessions s
       WHERE s.user_id = ? AND s.ended_at IS NULL AND s.expires_at > ? AND s.idle_expires_at > ?
       ORDER BY s.created_at DESC`,
    ).all(userId, t, t) as unknown[][]
    return rows.map((r) => toSession(r))
  }

  async rotateRefreshToken(a: { oldHash: string; newHash: string; now: Date; idleExpiresAt: Date }): Promise<RotateResult> {
    this.invalidate()
    const t = a.now.getTime()
    // One IMMEDIATE transaction: the read and the compare-and-swap cannot interleave with another
    // process's rotation of the same token.
    return this.db
      .transaction((): RotateResult => {
        const tok = this.q('SELECT session_id, used_at FROM refresh_tokens WHERE token_hash = ?').get(a.oldHash) as Row | undefined
        if (!tok) return { status: 'gone' }
        const sessionId = tok.session_id as string
        const found = this.raw(`${SESSION_WITH_USER} WHERE s.id = ?`).get(sessionId) as unknown[] | undefined
        if (!found) return { status: 'gone' }
        const { session, user } = toSessionWithUser(found)
        if (session.endedAt) return { status: 'gone' }
        if (tok.used_at != null) {
          // RFC 9700 §4.14.2: a rotated token came back, so it leaked; end the whole session.
          this.q('UPDATE sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL').run(t, sessionId)
          return { status: 'reused', sessionId }
        }
        if (session.expiresAt.getTime() <= t || session.idleExpiresAt.getTime() <= t) {
          this.q('UPDATE sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL').run(t, sessionId)
          return { status: 'gone' }
        }
        const cas = this.q('UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL').run(t, a.oldHash)
        if (cas.changes !== 1) return { status: 'gone' }
        this.q('INSERT INTO refresh_tokens (token_hash, session_id, issued_at) VALUES (?, ?, ?)').run(a.newHash, sessionId, t)
        const idle = Math.min(a.idleExpiresAt.getTime(), session.expiresAt.getTime())
        this.q('UPDATE sessions SET last_used_at = ?, idle_expires_at = ? WHERE id = ?').run(t, idle, sessionId)
        return {
          status: 'rotated',
          session: { ...session, lastUsedAt: a.now, idleExpiresAt: new Date(idle) },
          user,
        }
      })
      .immediate()
  }

  async endSession(id: string, now: Date): Promise<boolean> {
    this.invalidate()
    return this.q('UPDATE sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL').run(now.getTime(), id).changes === 1
  }

  async endSessionByRefreshHash(refreshHash: string, now: Date): Promise<boolean> {
    this.invalidate()
    const info = this.q('UPDATE sessions SET ended_at = ? WHERE ended_at IS NULL AND id = (SELECT session_id FROM refresh_tokens WHERE token_hash = ?)').run(
      now.getTime(),
      refreshHash,
    )
    return info.changes === 1
  }

  async endSessionsForUser(userId: string, now: Date, exceptId?: string): Promise<number> {
    this.invalidate()
    return this.q('UPDATE sessions SET ended_at = ? WHERE user_id = ? AND ended_at IS NULL AND id IS NOT ?').run(now.getTime(), userId, exceptId ?? null)
      .changes
  }

  async listSigningKeys(): Promise<SigningKeyRow[]> {
    return (this.q('SELECT * FROM signing_keys ORDER BY created_at, kid').all() as Row[]).map(toKey)
  }

  async ensureSigningKey(row: SigningKeyRow, now: Date): Promise<SigningKeyRow[]> {
    this.db
      .transaction(() => {
        const live = this.q('SELECT 1 FROM signing_keys WHERE alg = ? AND (retires_at IS NULL OR retires_at > ?)').get(row.alg, now.getTime())
        if (live) return
        this.q('INSERT INTO signing_keys (kid, alg, public_jwk, private_jwk, created_at, activates_at, retires_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
          row.kid,
          row.alg,
          row.publicJwk,
          row.privateJwk,
          row.createdAt.getTime(),
          row.activatesAt.getTime(),
          row.retiresAt?.getTime() ?? null,
        )
      })
      .immediate()
    return this.listSigningKeys()
  }
}
