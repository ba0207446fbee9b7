import type Database from 'better-sqlite3'
import { rowMappers } from '../rows.js'
import type { Session, User } from '../store.js'

export { type Row, SESSION_COLS, USER_COLS, USER_COLS_PREFIXED } from '../rows.js'

/** SQLite stores times as integer ms, booleans as 0/1 and role lists as JSON text. */
export const { toUser, toSession, toKey, toEvent, toMessage } = rowMappers({
  date: (v) => new Date(v as number),
  bool: (v) => v === 1,
  list: (v) => JSON.parse(v as string) as string[],
})

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
