import type { Logger } from 'pino'
import type { DatabaseConfig } from '../config.js'
import type { ChangeBus } from './changes.js'
import { openPostgresStore } from './postgres/postgres-store.js'
import { openSqliteStore } from './sqlite/sqlite-store.js'
import type { Store } from './store.js'

/**
 * Opens the configured back end and applies its migrations. `bus` carries cache invalidations
 * between instances; SQLite does not need it (it sees other connections' commits itself).
 */
export async function openStore(db: DatabaseConfig, bus: ChangeBus | null = null, log?: Pick<Logger, 'warn' | 'info'>): Promise<Store> {
  const onHealth = (up: boolean, err?: unknown) =>
    up ? log?.info('database answers again') : log?.warn({ err }, 'database unavailable: requests that need it get 503 until it answers')
  const store = db.kind === 'sqlite' ? openSqliteStore(db.path) : openPostgresStore({ url: db.url, schema: db.schema, poolSize: db.poolSize, bus, onHealth })
  try {
    await store.migrate()
  } catch (err) {
    await store.close()
    throw err
  }
  return store
}
