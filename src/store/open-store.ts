import type { Logger } from 'pino'
import type { DatabaseConfig } from '../config.js'
import type { ChangeBus } from './changes.js'
import { rootCause, StoreOpenError } from './open-error.js'
import { describePostgresOpenFailure } from './postgres/open-failure.js'
import { openPostgresStore } from './postgres/postgres-store.js'
import { openSqliteStore } from './sqlite/sqlite-store.js'
import type { Store } from './store.js'

/**
 * Opens the configured back end and applies its migrations. `bus` carries cache invalidations
 * between instances; SQLite does not need it (it sees other connections' commits itself).
 * @throws StoreOpenError naming what was tried and why it failed (never a password).
 */
export async function openStore(db: DatabaseConfig, bus: ChangeBus | null = null, log?: Pick<Logger, 'warn' | 'info'>): Promise<Store> {
  const onHealth = (up: boolean, err?: unknown) =>
    up ? log?.info('database answers again') : log?.warn({ err }, 'database unavailable: requests that need it get 503 until it answers')
  let store: Store | null = null
  try {
    store = db.kind === 'sqlite' ? openSqliteStore(db.path) : openPostgresStore({ url: db.url, schema: db.schema, poolSize: db.poolSize, bus, onHealth })
    // Migrating is the first query: every way of not reaching the database shows here.
    await store.migrate()
    return store
  } catch (err) {
    await store?.close().catch(() => {})
    throw new StoreOpenError(describeOpenFailure(db, err), err)
  }
}

function describeOpenFailure(db: DatabaseConfig, err: unknown): string {
  if (db.kind === 'postgres') return describePostgresOpenFailure(db.url, err)
  const { code, message } = rootCause(err)
  return `cannot open the database (SQLite file ${db.path}): ${message}${code && !message.includes(code) ? ` (${code})` : ''}`
}
