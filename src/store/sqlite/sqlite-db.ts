import type Database from 'better-sqlite3'
import type { Session, User } from '../store.js'

export type Row = Record<string, unknown>

/** Named-column mappers: the column names are the contract a PostgreSQL back end matches. */
export const USER_COLS = 'u.id, u.username, u.email, u.email_verified, u.pending_email, u.roles, u.disabled, u.created_at, u.updated_at'
export const SESSION_COLS = 's.id, s.user_id, s.scope, s.created_at, s.last_used_at, s.expires_at, s.idle_expires_at, s.ended_at, s.user_agent, s.ip'
/** The user's columns under a `u_` prefix, for joins with sessions. */
export const USER_COLS_PREFIXED = USER_COLS.split(', ')
  .map((c) => `${c} AS u_${c.slice(2)}`)
  .join(', ')

const date = (v: unknown): Date => new Date(v as number)
const dateOrNull = (v: unknown): Date | null => (v == null ? null : new Date(v as number))

export const toUser = (r: Row, p = ''): User => ({
  id: r[`${p}id`] as string,
  username: r[`${p}username`] as string,
  email: (r[`${p}email`] as string | null) ?? null,
  emailVerified: r[`${p}email_verified`] === 1,
  pendingEmail: (r[`${p}pending_email`] as string | null) ?? null,
  roles: JSON.parse(r[`${p}roles`] as string) as string[],
  disabled: r[`${p}disabled`] === 1,
  createdAt: date(r[`${p}created_at`]),
  updatedAt: date(r[`${p}updated_at`]),
})

export const toSession = (r: Row): Session => ({
  id: r.id as string,
  userId: r.user_id as string,
  scope: r.scope as string,
  createdAt: date(r.created_at),
  lastUsedAt: date(r.last_used_at),
  expiresAt: date(r.expires_at),
  idleExpiresAt: date(r.idle_expires_at),
  endedAt: dateOrNull(r.ended_at),
  userAgent: (r.user_agent as string | null) ?? null,
  ip: (r.ip as string | null) ?? null,
})

export { date, dateOrNull }

const SESSION_CACHE_MAX = 10_000

/**
 * The shared connection of the SQLite back end: prepared statements, IMMEDIATE transactions and
 * the guard's read cache, which every noun's writes clear.
 */
export class SqliteDb {
  private readonly stmts = new Map<string, Database.Statement>()
  /**
   * The guard reads a session and its user on every request. Cached here and dropped whole on any
   * write of ours that could change one, and whenever `PRAGMA data_version` shows another
   * connection (another instance, the CLI) committed. The pragma (~4 µs) runs at most once per
   * millisecond: our own writes are seen at once, another process's within 1 ms.
   */
  private readonly sessionCache = new Map<string, { session: Session; user: User }>()
  private cacheVersion: unknown = null
  private versionCheckedAt = Number.NEGATIVE_INFINITY
  private readonly dataVersion: Database.Statement

  constructor(readonly db: Database.Database) {
    this.dataVersion = db.prepare('PRAGMA data_version').pluck()
  }

  /** Prepares each SQL text once. */
  q(sql: string): Database.Statement {
    let s = this.stmts.get(sql)
    if (!s) {
      s = this.db.prepare(sql)
      this.stmts.set(sql, s)
    }
    return s
  }

  /** Runs `fn` in a transaction that takes the write lock first, so read-then-write cannot interleave across processes. */
  tx<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate()
  }

  /** Called by every write that can change a cached session or user. */
  invalidate(): void {
    this.sessionCache.clear()
  }

  /** The cached session and user, or undefined; drops the cache first when another connection committed. */
  peekSessionWithUser(id: string): { session: Session; user: User } | undefined {
    const t = performance.now()
    if (t - this.versionCheckedAt >= 1) {
      this.versionCheckedAt = t
      const version = this.dataVersion.get()
      if (version !== this.cacheVersion) {
        this.sessionCache.clear()
        this.cacheVersion = version
      }
    }
    return this.sessionCache.get(id)
  }

  /** The session and its user, from the cache when nothing has been written since. */
  cachedSessionWithUser(id: string, load: () => { session: Session; user: User } | null): { session: Session; user: User } | null {
    const hit = this.peekSessionWithUser(id)
    if (hit) return hit
    const found = load()
    if (!found) return null
    Object.freeze(found.session)
    Object.freeze(found.user.roles)
    Object.freeze(found.user)
    if (this.sessionCache.size >= SESSION_CACHE_MAX) this.sessionCache.clear()
    this.sessionCache.set(id, found)
    return found
  }
}

/** Maps a UNIQUE violation to the field it concerns, or null for any other error. */
export function conflictField(err: unknown): 'username' | 'email' | null {
  const e = err as { code?: string; message?: string }
  if (e.code !== 'SQLITE_CONSTRAINT_UNIQUE') return null
  if (e.message?.includes('users.username_key')) return 'username'
  if (e.message?.includes('users.email_key')) return 'email'
  return null
}
