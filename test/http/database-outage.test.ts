// PostgreSQL connections lost under a running server: 503 with a clear detail, never a 500 or a
// hang, and service resumes by itself. (Always on PostgreSQL, whatever TEST_STORE says.)
import assert from 'node:assert/strict'
import { test } from 'node:test'
import pg from 'pg'
import { buildTestApp } from '../helpers/build-app.js'
import { bearer, login, registerUser } from '../helpers/fixtures.js'
import { dropSchema, newSchemaName, schemaUrl, TEST_DATABASE_URL } from '../helpers/postgres.js'

test('postgres: connections killed by the server → 503 (never 500), then recovery; a closed pool → 503 with Retry-After', async (t) => {
  const schema = newSchemaName()
  t.after(() => dropSchema(schema))
  const url = new URL(schemaUrl(schema))
  url.searchParams.set('application_name', schema)
  const { app, deps } = await buildTestApp(t, { DATABASE_URL: url.toString() })
  await registerUser(app)
  const { access_token } = await login(app)

  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL })
  await admin.connect()
  t.after(() => admin.end())
  const killed = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [schema])
  assert.ok(killed.rowCount! > 0, 'the pool had connections to kill')

  const statuses: number[] = []
  for (let i = 0; i < 20; i++) {
    // A fresh session each time: the guard must reach the database, not its cache.
    const res = await app.inject({
      method: 'POST',
      url: '/token',
      payload: 'username=alice&password=wrong+password!',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    statuses.push(res.statusCode)
    if (res.statusCode === 503) assert.deepEqual(res.json(), { detail: 'Storage unavailable; retry shortly' })
  }
  assert.ok(
    statuses.every((s) => s === 401 || s === 503),
    `only 401s and 503s: ${statuses}`,
  )
  assert.equal(statuses.at(-1), 401, 'recovered by itself')
  assert.equal((await app.inject({ method: 'GET', url: '/users/me', headers: bearer(access_token) })).statusCode, 200)

  await deps.store.close()
  const t0 = performance.now()
  const down = await app.inject({ method: 'POST', url: '/register', payload: { username: 'bob', password: 'a fine passphrase' } })
  assert.equal(down.statusCode, 503)
  assert.equal(down.headers['retry-after'], '1')
  assert.deepEqual(down.json(), { detail: 'Storage unavailable; retry shortly' })
  assert.ok(performance.now() - t0 < 5_000, 'no hang')
})
