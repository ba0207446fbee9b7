import type pg from 'pg'
import { type Change, type ChangeBus, StoreUnavailableError, UnrepresentableValueError } from '../changes.js'
import { rowMappers, type Row } from '../rows.js'
import { SessionCache } from '../session-cache.js'

export { type Row, SESSION_COLS, USER_COLS, USER_COLS_PREFIXED } from '../rows.js'

/** PostgreSQL hands back Dates, booleans and arrays as they are (copied: cached rows are frozen). */
export const { toUser, toSession, toKey, toEvent, toMessage } = rowMappers({
  date: (v) => v as Date,
  bool: (v) => v === true,
  list: (v) => [...(v as string[])],
})

/** Something that runs SQL: the pool, or one client inside a transaction. */
export type Queryable = { query: pg.Pool['query'] }

// SQLSTATE classes that mean "the database is not there" (08: connection, 57P: shutdown, 53: resources).
const UNAVAILABLE = /^(08|57P|53)/
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH'])

function unavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string }
  if (typeof e.code === 'string' && (NETWORK.has(e.code) || UNAVAILABLE.test(e.code))) return true
  // pg's own client-side failures carry no code.
  return /timeout|Connection terminated|connection is closed|Cannot use a pool after calling end/i.test(e.message ?? '')
}

/**
 * The shared pool of the PostgreSQL back end, with the guard's read cache. Writes report what
 * they changed through `changed()`, which drops it here and tells every other instance.
 */
export class PgDb {
  readonly cache: SessionCache

  constructor(
    readonly pool: pg.Pool,
    private readonly bus: ChangeBus | null,
    private readonly schema: string,
    private readonly onHealth?: (up: boolean, err?: unknown) => void,
  ) {
    // Without a bus, other instances' changes reach this one through the cache's 1 s age limit;
    // with one, at once, and while the bus is down nothing cached is trusted.
    this.cache = new SessionCache(bus ? () => bus.live() : () => true)
    bus?.subscribe((c) => this.cache.apply(c))
  }

  async q(sql: string, args: unknown[] = [], on: Queryable = this.pool): Promise<Row[]> {
    if (this.down) return this.qWhileDown(sql, args, on)
    return this.qUp(sql, args, on)
  }

  /** Outages are logged once when they start and once when they end, not once per request. */
  private down = false
  private async qWhileDown(sql: string, args: unknown[], on: Queryable): Promise<Row[]> {
    const rows = await this.qUp(sql, args, on)
    this.down = false
    this.onHealth?.(true)
    return rows
  }

  private async qUp(sql: string, args: unknown[], on: Queryable): Promise<Row[]> {
    // PostgreSQL text cannot hold NUL (SQLite can): refuse it here, the same for every query,
    // rather than let the server's encoding error become a 500.
    for (const a of args) if (typeof a === 'string' && a.includes('\u0000')) throw new UnrepresentableValueError()
    try {
      return (await on.query(sql, args)).rows as Row[]
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

  async one(sql: string, args: unknown[] = [], on: Queryable = this.pool): Promise<Row | undefined> {
    return (await this.q(sql, args, on))[0]
  }

  /**
   * A transaction on one client; ROLLBACK on any error. `lock` names a transaction-scoped
   * advisory lock taken first (per schema, so deployments sharing a database do not queue on each
   * other). Locks are always taken session row first, then its refresh tokens (the order of the
   * ON DELETE CASCADE), so rotations and deletions do not deadlock; a deadlock or serialization
   * victim all the same is retried (PostgreSQL rolled it back whole), and after three tries it is
   * a 503 to retry, never a 500.
   */
  async tx<T>(fn: (c: Queryable) => Promise<T>, lock?: string): Promise<T> {
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

  private async txOnce<T>(fn: (c: Queryable) => Promise<T>, lock?: string): Promise<T> {
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
      await this.q('BEGIN', [], client)
      if (lock !== undefined) await this.q('SELECT pg_advisory_xact_lock(hashtext($1))', [`${this.schema}:${lock}`], client)
      const out = await fn(client)
      await this.q('COMMIT', [], client)
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

/** Advisory locks (hashed with the schema): one per critical section that must run alone across instances. */
export const LOCKS = { migrate: 'migrate', audit: 'audit', keys: 'keys' } as const

/** Maps a UNIQUE violation to the field it concerns, or null for any other error. */
export function conflictField(err: unknown): 'username' | 'email' | null {
  const e = err as { code?: string; constraint?: string }
  if (e.code !== '23505') return null
  if (e.constraint === 'users_username_key_unique') return 'username'
  if (e.constraint === 'users_email_key_unique') return 'email'
  return null
}
