import assert from 'node:assert/strict'
import { test } from 'node:test'
import { openStore } from '../../src/store/open-store.js'
import type { Store } from '../../src/store/store.js'
import { dropSchema, newSchemaName, TEST_DATABASE_URL } from '../helpers/postgres.js'
import { storeContract } from './store-contract.js'

/** A store on a fresh schema of the machine's PostgreSQL, dropped when the store closes. */
async function openFresh(): Promise<Store> {
  const schema = newSchemaName()
  const store = await openStore({ kind: 'postgres', url: TEST_DATABASE_URL, schema, poolSize: 10 })
  const close = store.close.bind(store)
  store.close = async () => {
    await close()
    await dropSchema(schema)
  }
  return store
}

storeContract('postgres', openFresh)

test('postgres: migrations run once, also when several instances start together', async (t) => {
  const schema = newSchemaName()
  t.after(() => dropSchema(schema))
  const db = { kind: 'postgres', url: TEST_DATABASE_URL, schema, poolSize: 2 } as const
  const stores = await Promise.all(Array.from({ length: 4 }, () => openStore(db)))
  t.after(() => Promise.all(stores.map((s) => s.close())))
  const pool = (stores[0] as unknown as { pool: import('pg').Pool }).pool
  const { rows } = await pool.query('SELECT version, name FROM schema_migrations ORDER BY version')
  assert.deepEqual(rows, [{ version: 1, name: 'init' }])
})
