import pg from 'pg'
import type { ChangeBus } from '../changes.js'
import type { Store } from '../store.js'
import { LOCKS } from '../sql/db.js'
import { sqlNouns } from '../sql/store.js'
import { POSTGRES_MIGRATIONS } from './migrations.js'
import { PgDb } from './pg-db.js'

export interface PostgresOptions {
  url: string
  /** The schema holding Gatehouse's tables (created when missing). */
  schema: string
  poolSize: number
  /** Carries this instance's writes to the others and theirs to it; null: a read cache of at most 1 s. */
  bus: ChangeBus | null
  /** Told once when the database stops answering and once when it answers again. */
  onHealth?: (up: boolean, err?: unknown) => void
}

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/

/**
 * The PostgreSQL back end: a pool, the same nouns as SQLite, and timeouts everywhere, so a lost
 * database turns into a quick StoreUnavailableError (503), never a request that hangs.
 */
export function openPostgresStore(o: PostgresOptions): Store & { pool: pg.Pool } {
  if (!IDENT.test(o.schema)) throw new Error(`invalid schema name: ${o.schema}`)
  // Connection-string parameters override the pool's: an `options=` would silently replace the
  // search_path and timeouts below (config refuses it too).
  if (new URL(o.url).searchParams.has('options')) throw new Error('DATABASE_URL: options= is not supported (it would replace search_path and the timeouts)')
  const pool = new pg.Pool({
    connectionString: o.url,
    max: o.poolSize,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // Finds a peer that vanished without closing (a network split) instead of waiting on it.
    keepAlive: true,
    // Server-side guards: no statement, and no transaction left idle, holds locks for long.
    options: `-c search_path=${o.schema} -c statement_timeout=10000 -c idle_in_transaction_session_timeout=10000`,
    query_timeout: 11_000,
  })
  // An idle client's error (the server restarted) must not crash the process; the next query
  // gets a fresh connection or a StoreUnavailableError.
  pool.on('error', () => {})
  const d = new PgDb(pool, o.bus, o.schema, o.onHealth)
  return {
    pool,
    ...sqlNouns(d),

    async migrate() {
      // One transaction under an advisory lock: instances starting together apply each migration
      // once, and a failed migration leaves nothing half-applied (PostgreSQL DDL is transactional).
      await d.tx(async (c) => {
        await c.run(`CREATE SCHEMA IF NOT EXISTS ${o.schema}`)
        await c.run('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)')
        const done = new Set((await c.q('SELECT version FROM schema_migrations')).map((r) => r.version as number))
        for (const m of POSTGRES_MIGRATIONS) {
          if (done.has(m.version)) continue
          await c.run(m.sql)
          await c.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, now())', [m.version, m.name])
        }
      }, LOCKS.migrate)
    },

    async ping() {
      await d.q('SELECT 1')
    },

    async close() {
      if (!pool.ended) await pool.end()
    },
  }
}
