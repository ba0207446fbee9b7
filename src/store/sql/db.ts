import type { Change } from '../changes.js'
import type { rowMappers } from '../rows.js'
import type { SessionCache } from '../session-cache.js'

/**
 * The thin dialect layer the store's nouns (src/store/sql/*.ts) are written against, once for
 * both back ends. SQL is written with `?` placeholders (PostgreSQL's adapter numbers them, once
 * per SQL text); values go in through the encoders and come out through the row mappers; the few
 * places where the dialects really differ are the named fragments below. Nothing else about the
 * back end leaks into a noun.
 */
export type Row = Record<string, unknown>

/** Something that runs SQL: the database, or one open transaction. */
export interface Sql {
  /** All rows (none for a statement without RETURNING). */
  q(sql: string, args?: readonly unknown[]): Promise<Row[]>
  /** The first row, or undefined. */
  one(sql: string, args?: readonly unknown[]): Promise<Row | undefined>
  /** How many rows the statement inserted, updated or deleted. */
  run(sql: string, args?: readonly unknown[]): Promise<number>
}

/** Critical sections that run alone across instances (PostgreSQL: advisory locks; SQLite: every transaction does). */
export const LOCKS = { migrate: 'migrate', audit: 'audit', keys: 'keys', signInChallenges: 'sign-in-challenges' } as const
export type Lock = (typeof LOCKS)[keyof typeof LOCKS]

export interface SqlDialect {
  /** Encoders: SQLite integer ms | PostgreSQL Date. */
  date(d: Date): unknown
  dateOrNull(d: Date | null): unknown
  /** 0/1 | boolean. */
  bool(b: boolean): unknown
  /** JSON text | text[]. */
  list(l: readonly string[]): unknown
  /** `a <op> b` true when they differ, NULLs included: `IS NOT` | `IS DISTINCT FROM`. */
  readonly isDistinctFrom: string
  /** Row lock for a SELECT inside a transaction: '' on SQLite (IMMEDIATE holds the whole database), ` FOR UPDATE[ OF alias]` on PostgreSQL. */
  forUpdate(of?: string): string
  /**
   * The shared row lock a foreign key check takes, for a SELECT inside a transaction: '' on SQLite |
   * ` FOR KEY SHARE[ OF aliases]` on PostgreSQL. A write that will need parent rows (a user, a
   * client) takes them first, as their deletion does (parent, then ON DELETE CASCADE's children),
   * so the two queue instead of deadlocking.
   */
  forKeyShare(of?: string): string
  /** For a queue's claim sub-select: '' | ' FOR UPDATE SKIP LOCKED' (concurrent claimers take different rows). */
  readonly skipLocked: string
  /**
   * A one-column table `v(value)` of the list bound to one `?` (encoded with `list`):
   * `json_each(?) AS v` | `unnest(CAST(? AS text[])) AS v(value)`.
   */
  readonly listTable: string
  /** Maps a UNIQUE violation on users to the field it concerns, or null for any other error. */
  conflictField(err: unknown): 'username' | 'email' | null
}

/** The row mappers of rows.ts, bound to the dialect's decoding. */
export type Mappers = ReturnType<typeof rowMappers>

export interface Db extends Sql {
  readonly dialect: SqlDialect
  readonly rows: Mappers
  /**
   * Runs `fn` in one transaction, async on both back ends; ROLLBACK on any error. SQLite: BEGIN
   * IMMEDIATE (the write lock first), and no other query of this connection runs until it ends.
   * PostgreSQL: one pooled client, `lock` an advisory lock taken first, deadlock victims retried.
   * Inside, use only `c`.
   */
  tx<T>(fn: (c: Sql) => Promise<T>, lock?: Lock): Promise<T>
  /** The guard's session+user read cache, one implementation for both back ends. */
  readonly cache: SessionCache
  /** After a committed write: drop what it touched from the cache, and tell the other instances. */
  changed(change: Change): void
}
