import { randomBytes } from 'node:crypto'
import pg from 'pg'

/**
 * The PostgreSQL every machine runs (CI's too). Tests never skip it: an unreachable server fails
 * them. Each test gets its own schema, so runs (and tests within a run) never collide.
 */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

/** Whether the HTTP suites run on PostgreSQL (`TEST_STORE=postgres`) instead of in-memory SQLite. */
export const TEST_ON_POSTGRES = process.env.TEST_STORE === 'postgres'

export const newSchemaName = () => `gh_test_${randomBytes(6).toString('hex')}`

/** A DATABASE_URL for a new, empty schema (created by the store's migration). */
export function schemaUrl(schema: string): string {
  const u = new URL(TEST_DATABASE_URL)
  u.searchParams.set('schema', schema)
  return u.toString()
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL })
  await client.connect()
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
  } finally {
    await client.end()
  }
}
