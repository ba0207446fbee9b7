import type Database from 'better-sqlite3'
import type { Change } from '../changes.js'
import { rowMappers } from '../rows.js'
import { SessionCache, type Staleness } from '../session-cache.js'
import type { Db, Row, Sql, SqlDialect } from '../sql/db.js'

/** SQLite stores times as integer ms, booleans as 0/1 and lists as JSON text. */
export const SQLITE_DIALECT: SqlDialect = {
  date: (d) => d.getTime(),
  dateOrNull: (d) => d?.getTime() ?? null,
  bool: (b) => (b ? 1 : 0),
  list: (l) => JSON.stringify(l),
  isDistinctFrom: 'IS NOT',
  // IMMEDIATE transactions hold the write lock of the whole database: no row locks needed.
  forUpdate: () => '',
  forKeyShare: () => '',
  skipLocked: '',
  listTable: 'json_each(?) AS v',
  conflictField(err) {
    const e = err as { code?: string; message?: string }
    if (e.code !== 'SQLITE_CONSTRAINT_UNIQUE') return null
    if (e.message?.includes('users.username_key')) return 'username'
    if (e.message?.includes('users.email_key')) return 'email'
    return null
  },
}

const ROWS = rowMappers({
  date: (v) => new Date(v as number),
  bool: (v) => v === 1,
  list: (v) => JSON.parse(v as string) as string[],
})

/**
 * Other connections' commits (another instance, the CLI) show in `PRAGMA data_version`; the
 * pragma (~4 µs) runs at most once per millisecond, so another process's commit is seen within
 * 1 ms and a cache hit stays a Map lookup. Our own writes invalidate through `changed`.
 */
function dataVersionStaleness(db: Database.Database): Staleness {
  const dataVersion = db.prepare('PRAGMA data_version').pluck()
  let version: unknown = null
  let checkedAt = Number.NEGATIVE_INFINITY
  return {
    live: () => true,
    maxAgeMs: Number.POSITIVE_INFINITY,
    externalChange(now) {
      if (now - checkedAt < 1) return false
      checkedAt = now
      const v = dataVersion.get()
      if (v === version) return false
      version = v
      return true
    },
  }
}

/**
 * The SQLite adapter: one connection, statements prepared once per SQL text, async transactions
 * (BEGIN IMMEDIATE) behind a mutex so that no other query of this connection interleaves into an
 * open one. Statements themselves run synchronously: a query outside a transaction costs one
 * prepared-statement call and a resolved promise.
 */
export class SqliteDb implements Db {
  readonly dialect = SQLITE_DIALECT
  readonly rows = ROWS
  readonly cache: SessionCache
  private readonly stmts = new Map<string, Database.Statement>()
  /** Set while a transaction is open: everyone else waits for it. */
  private gate: Promise<void> | null = null
  /** The open transaction's way in (skips the gate). */
  private readonly inner: Sql

  constructor(readonly db: Database.Database) {
    this.cache = new SessionCache(dataVersionStaleness(db))
    this.inner = {
      q: async (sql, args = []) => this.all(sql, args),
      one: async (sql, args = []) => this.get(sql, args),
      run: async (sql, args = []) => this.stmt(sql).run(...args).changes,
    }
  }

  /** Prepares each SQL text once. */
  stmt(sql: string): Database.Statement {
    let s = this.stmts.get(sql)
    if (!s) {
      s = this.db.prepare(sql)
      this.stmts.set(sql, s)
    }
    return s
  }

  private all(sql: string, args: readonly unknown[]): Row[] {
    const s = this.stmt(sql)
    if (s.reader) return s.all(...args) as Row[]
    s.run(...args)
    return []
  }

  private get(sql: string, args: readonly unknown[]): Row | undefined {
    const s = this.stmt(sql)
    if (s.reader) return s.get(...args) as Row | undefined
    s.run(...args)
    return undefined
  }

  async q(sql: string, args: readonly unknown[] = []): Promise<Row[]> {
    while (this.gate) await this.gate
    return this.all(sql, args)
  }

  async one(sql: string, args: readonly unknown[] = []): Promise<Row | undefined> {
    while (this.gate) await this.gate
    return this.get(sql, args)
  }

  async run(sql: string, args: readonly unknown[] = []): Promise<number> {
    while (this.gate) await this.gate
    return this.stmt(sql).run(...args).changes
  }

  /** IMMEDIATE takes the write lock first, so read-then-write cannot interleave across processes either. */
  async tx<T>(fn: (c: Sql) => Promise<T>): Promise<T> {
    while (this.gate) await this.gate
    let open!: () => void
    this.gate = new Promise((r) => {
      open = r
    })
    try {
      this.stmt('BEGIN IMMEDIATE').run()
      try {
        const out = await fn(this.inner)
        this.stmt('COMMIT').run()
        return out
      } catch (err) {
        if (this.db.inTransaction) this.stmt('ROLLBACK').run()
        throw err
      }
    } finally {
      this.gate = null
      open()
    }
  }

  changed(change: Change): void {
    this.cache.apply(change)
  }
}
