import type pg from 'pg'
import { type Change, type ChangeBus, StoreUnavailableError, UnrepresentableValueError } from '../changes.js'
import { rowMappers } from '../rows.js'
import { SESSION_CACHE_MAX_AGE_MS, SessionCache } from '../session-cache.js'
import { type Db, LOCKS, type Lock, type Row, type Sql, type SqlDialect } from '../sql/db.js'

/** PostgreSQL takes and hands back Dates, booleans and arrays as they are (copied: cached rows are frozen). */
export const POSTGRES_DIALECT: SqlDialect = {
  date: (d) => d,
  dateOrNull: (d) => d,
  bool: (b) => b,
  list: (l) => [...l],
  isDistinctFrom: 'IS DISTINCT FROM',
  forUpdate: (of) => (of ? ` FOR UPDATE OF ${of}` : ' FOR UPDATE'),
  forKeyShare: (of) => (of ? ` FOR KEY SHARE OF ${of}` : ' FOR KEY SHARE'),
  skipLocked: ' FOR UPDATE SKIP LOCKED',
  listTable: 'unnest(CAST(? AS text[])) AS v(value)',
  conflictField(err) {
    const e = err as { code?: string; constraint?: string }
    if (e.code !== '23505') return null
    if (e.constraint === 'users_username_key_unique') return 'username'
    if (e.constraint === 'users_email_key_unique') return 'email'
    return null
  },
}

const ROWS = rowMappers({
  date: (v) => v as Date,
  bool: (v) => v === true,
  list: (v) => [...(v as string[])],
})

/** `?` placeholders numbered `$1, $2, ...` once per SQL text (the nouns' SQL never holds a literal `?`). */
const numbered = new Map<string, string>()
function toPg(sql: string): string {
  let out = numbered.get(sql)
  if (out === undefined) {
    let n = 0
    out = sql.replace(/\?/g, () => `$${++n}`)
    numbered.set(sql, out)
  }
  return out
}

/** Something that runs SQL: the pool, or one client inside a transaction. */
export type Queryable = { query: pg.Pool['query'] }

// SQLSTATE classes that mean "the database is not there" (08: connection, 57P: shutdown, 53: resources).
const UNAVAILABLE = /^(08|57P|53)/
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH'])

const hasNul = (a: unknown): boolean => (typeof a === 'string' ? a.includes('\u0000') : Array.isArray(a) && a.some(hasNul))

function unavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string }
  if (typeof e.code === 'string' && (NETWORK.has(e.code) || UNAVAILABLE.test(e.code))) return true
  // pg's own client-side failures carry no code.
  return /timeout|Connection terminated|connection is closed|Cannot use a pool after calling end/i.test(e.message ?? '')
}

/**
 * The PostgreSQL adapter: the shared pool, with the guard's read cache. Writes report what they
 * changed through `changed()`, which drops it here and tells every other instance.
 */
export class PgDb implements Db {
  readonly dialect = POSTGRES_DIALECT
  readonly rows = ROWS
  readonly cache: SessionCache

  constructor(
    readonly pool: pg.Pool,
    private readonly bus: ChangeBus | null,
    private readonly schema: string,
    private readonly onHealth?: (up: boolean, err?: unknown) => void,
  ) {
    // Without a bus, other instances' changes reach this one through the cache's 1 s age limit;
    // with one, at once, and while the bus is down nothing cached is trusted.
    this.cache = new SessionCache({ live: bus ? () => bus.live() : () => true, maxAgeMs: SESSION_CACHE_MAX_AGE_MS })
    bus?.subscribe((c) => this.cache.apply(c))
  }

  /** Runs SQL with `?` placeholders on the pool, or on `on` (one transaction's client). */
  async q(sql: string, args: readonly unknown[] = [], on: Queryable = this.pool): Promise<Row[]> {
    return (await this.exec(toPg(sql), args, on)).rows as Row[]
  }

  async one(sql: string, args: readonly unknown[] = [], on: Queryable = this.pool): Promise<Row | undefined> {
    return (await this.exec(toPg(sql), args, on)).rows[0] as Row | undefined
  }

  async run(sql: string, args: readonly unknown[] = [], on: Queryable = this.pool): Promise<number> {
    return (await this.exec(toPg(sql), args, on)).rowCount ?? 0
  }

  /** SQL already in PostgreSQL's `$n` form. */
  private exec(sql: string, args: readonly unknown[], on: Queryable): Promise<pg.QueryResult> {
    if (this.down) return this.qWhileDown(sql, args, on)
    return this.qUp(sql, args, on)
  }

  /** Outages are logged once when they start and once when they end, not once per request. */
  private down = false
  private async qWhileDown(sql: string, args: readonly unknown[], on: Queryable): Promise<pg.QueryResult> {
    const result = await this.qUp(sql, args, on)
    this.down = false
    this.onHealth?.(true)
    return result
  }

  private async qUp(sql: string, args: readonly unknown[], on: Queryable): Promise<pg.QueryResult> {
    // PostgreSQL text cannot hold NUL (SQLite can): refuse it here, the same for every query,
    // rather than let the server's encoding error become a 500.
    for (const a of args) if (hasNul(a)) throw new UnrepresentableValueError()
    try {
      return await on.query(sql, args as unknown[])
    } catch (err) {
      // 23503: the row a write refers to was deleted meanwhile (a login racing its account's
      // deletion): the client may retry, and will then get the answer for a deleted account.
      if ((err as { code?: string }).code === '23503') throw new StoreUnavailableError('database', err)
      if (!unavailable(err)) throw err
      if (!this.down) this.onHealth?.(false, err)
      this.down = true
      throw new StoreUnavailableError('database', err)
    }
  }

  /**
   * A transaction on one client; ROLLBACK on any error. `lock` names a transaction-scoped
   * advisory lock taken first (per schema, so deployments sharing a database do not queue on each
   * other). Locks are always taken session row first, then its refresh tokens (the order of the
   * ON DELETE CASCADE), so rotations and deletions do not deadlock; a deadlock or serialization
   * victim all the same is retried (PostgreSQL rolled it back whole), and after three tries it is
   * a 503 to retry, never a 500.
   * Transactions under the audit lock (and the sign-in challenges' cap, taken by anonymous
   * requests) also run one at a time in this process: waiting on the advisory lock would
   * otherwise hold one pooled connection per waiter, and a burst of logins would drain the pool.
   */
  tx<T>(fn: (c: Sql) => Promise<T>, lock?: Lock): Promise<T> {
    if (lock !== LOCKS.audit && lock !== LOCKS.signInChallenges) return this.txRetried(fn, lock)
    const run = (this.tails.get(lock) ?? Promise.resolve()).then(
      () => this.txRetried(fn, lock),
      () => this.txRetried(fn, lock),
    )
    this.tails.set(
      lock,
      run.catch(() => {}),
    )
    return run
  }

  /** Per lock queued in this process: the last transaction waiting for it. */
  private readonly tails = new Map<Lock, Promise<unknown>>()

  private async txRetried<T>(fn: (c: Sql) => Promise<T>, lock?: Lock): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.txOnce(fn, lock)
      } catch (err) {
        const code = (err as { code?: string }).code
        if (code !== '40P01' && code !== '40001') throw err
        if (attempt >= 3) throw new StoreUnavailableError('database', err)
      }
    }
  }

  private async txOnce<T>(fn: (c: Sql) => Promise<T>, lock?: Lock): Promise<T> {
    let client: pg.PoolClient
    try {
      client = await this.pool.connect()
    } catch (err) {
      throw new StoreUnavailableError('database', err)
    }
    // A checked-out client has no pool listener: without ours, a connection lost mid-transaction
    // would be an unhandled 'error' event, which ends the process.
    let broken = false
    const onError = () => {
      broken = true
    }
    client.on('error', onError)
    try {
      await this.exec('BEGIN', [], client)
      if (lock !== undefined) await this.exec('SELECT pg_advisory_xact_lock(hashtext($1))', [`${this.schema}:${lock}`], client)
      const out = await fn({
        q: (sql, args) => this.q(sql, args, client),
        one: (sql, args) => this.one(sql, args, client),
        run: (sql, args) => this.run(sql, args, client),
      })
      await this.exec('COMMIT', [], client)
      return out
    } catch (err) {
      // A connection that failed or timed out is discarded, not asked to ROLLBACK (which would
      // queue behind a hung query); the server rolls back what a lost connection left open.
      if (broken || err instanceof StoreUnavailableError) broken = true
      else
        await client.query('ROLLBACK').catch(() => {
          broken = true
        })
      throw err
    } finally {
      client.off('error', onError)
      client.release(broken)
    }
  }

  /** After a committed write: drop what it touched here, and tell the other instances. */
  changed(change: Change): void {
    this.cache.apply(change)
    this.bus?.publish(change)
  }
}
