import type { DatabaseConfig } from '../config.js'
import { openSqliteStore } from './sqlite/sqlite-store.js'
import type { Store } from './store.js'

/** Opens the configured back end and applies its migrations. */
export async function openStore(db: DatabaseConfig): Promise<Store> {
  const store = openSqliteStore(db.path)
  try {
    await store.migrate()
  } catch (err) {
    await store.close()
    throw err
  }
  return store
}
