import assert from 'node:assert/strict'
import { test } from 'node:test'
import pg from 'pg'
import { StoreUnavailableError } from '../../src/store/changes.js'
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
  assert.deepEqual(rows, [
    { version: 1, name: 'init' },
    { version: 2, name: 'email' },
    { version: 3, name: 'mfa' },
    { version: 4, name: 'passkeys' },
    { version: 5, name: 'webauthn-challenge-age' },
    { version: 6, name: 'clients' },
    { version: 7, name: 'oidc-grants' },
  ])
})

test('postgres: a connection lost in the middle of a transaction is a StoreUnavailableError (not a crash); the next call works', async (t) => {
  const schema = newSchemaName()
  t.after(() => dropSchema(schema))
  const url = new URL(TEST_DATABASE_URL)
  url.searchParams.set('application_name', schema)
  const store = await openStore({ kind: 'postgres', url: url.toString(), schema, poolSize: 2 })
  t.after(() => store.close())
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL })
  await admin.connect()
  t.after(() => admin.end())
  const event = { type: 'x', at: new Date(), actorId: null, subjectId: null, ip: null, userAgent: null, details: {} }
  await store.appendAuditEvent(event)

  // Hold the table so the append waits inside its transaction, then kill its connection.
  await admin.query('BEGIN')
  await admin.query(`LOCK TABLE ${schema}.audit_events IN ACCESS EXCLUSIVE MODE`)
  const pending = store.appendAuditEvent(event)
  await new Promise((r) => setTimeout(r, 300))
  await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [schema])
  await assert.rejects(pending, StoreUnavailableError)
  await admin.query('ROLLBACK')
  const next = await store.appendAuditEvent(event)
  assert.equal(next.id, 2, 'the killed append left nothing behind')
})
