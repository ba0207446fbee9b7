import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import Database from 'better-sqlite3'
import { createGatehouse, type Gatehouse } from '../src/public-api.js'
import type { AddressInfo } from 'node:net'
import { buildNotesApi } from '../examples/embedded.js'
import { buildInvoicesApi } from '../examples/same-database.js'
import { openConfiguredStore } from '../src/deps/create.js'
import { loadConfig } from '../src/config.js'
import { TEST_ENV } from './helpers/build-app.js'
import { ADMIN_PASSWORD, bearer, login, registerUser } from './helpers/fixtures.js'

test('the example protects its own routes with requireUser and requireScope', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gh-embedded-'))
  const env = { ...TEST_ENV, DATABASE_URL: `sqlite:${join(dir, 'notes.db')}` }
  const gatehouse = await buildNotesApi(env)
  const { app } = gatehouse
  t.after(async () => {
    await gatehouse.close()
    rmSync(dir, { recursive: true, force: true })
  })
  const anon = await app.inject({ method: 'GET', url: '/notes' })
  assert.equal(anon.statusCode, 401)
  assert.deepEqual(anon.json(), { detail: 'Not authenticated' })

  const user = await registerUser(app)
  const { access_token } = await login(app)
  const notes = await app.inject({ method: 'GET', url: '/notes', headers: bearer(access_token) })
  assert.equal(notes.statusCode, 200)
  assert.deepEqual(notes.json(), { owner: 'alice', notes: ['hello, alice'] })

  const all = await app.inject({ method: 'GET', url: '/notes/all', headers: bearer(access_token) })
  assert.equal(all.statusCode, 403)
  assert.equal(all.headers['www-authenticate'], 'Bearer error="insufficient_scope", scope="admin"')

  // Promote alice as an operator would, through a second handle on the same database.
  const store = await openConfiguredStore(loadConfig(env))
  await store.updateUser(user.id, { roles: ['user', 'admin'] }, new Date())
  await store.close()
  const admin = await login(app)
  assert.equal((await app.inject({ method: 'GET', url: '/notes/all', headers: bearer(admin.access_token) })).statusCode, 200)

  await app.inject({ method: 'POST', url: '/logout', headers: bearer(access_token) })
  assert.equal((await app.inject({ method: 'GET', url: '/notes', headers: bearer(access_token) })).statusCode, 401, 'logout reaches integrator routes at once')
})

test('createGatehouse runs the upkeep serve runs (automatic key rotation when due); upkeep: false runs none; close() is idempotent', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gh-upkeep-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const env = { ...TEST_ENV, DATABASE_URL: `sqlite:${join(dir, 'g.db')}`, KEY_ROTATION_INTERVAL: '90d' }
  const jwksKids = async (g: Gatehouse) => ((await g.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json().keys as { kid: string }[]).length
  const first = await createGatehouse({ env })
  assert.equal(await jwksKids(first), 2, "a fresh store has its first keys: the access tokens' and the ID tokens'")
  await first.close()
  await first.close() // idempotent
  // The keys are now 100 days old: rotation is due.
  const db = new Database(join(dir, 'g.db'))
  db.prepare('UPDATE signing_keys SET created_at = created_at - ?, activates_at = activates_at - ?').run(100 * 86_400_000, 100 * 86_400_000)
  db.close()

  const withoutUpkeep = await createGatehouse({ env, upkeep: false })
  assert.equal(await jwksKids(withoutUpkeep), 2, 'control: with upkeep off, nothing rotates')
  await withoutUpkeep.close()

  const embedded = await createGatehouse({ env })
  t.after(() => embedded.close())
  const deadline = Date.now() + 5_000
  while ((await jwksKids(embedded)) < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  assert.equal(await jwksKids(embedded), 4, 'the due rotation published a next key in each ring')
})

test('a separate service on the same database: its routes see a login, a demotion and a logout of the Gatehouse server at once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gh-same-db-'))
  const env = { ...TEST_ENV, DATABASE_URL: `sqlite:${join(dir, 'g.db')}`, ISSUER: 'https://auth.example.test' }
  const server = await createGatehouse({ env })
  const invoices = await buildInvoicesApi(env)
  const http = invoices.app.listen(0, '127.0.0.1')
  await new Promise((r) => http.once('listening', r))
  t.after(async () => {
    await new Promise((r) => http.close(r))
    await invoices.close()
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  })
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
  const call = async (path: string, token?: string) => {
    const res = await fetch(`${base}${path}`, { headers: token ? bearer(token) : {} })
    return { status: res.status, body: await res.json(), challenge: res.headers.get('www-authenticate') }
  }

  await registerUser(server.app)
  const root = await registerUser(server.app, { username: 'root', password: ADMIN_PASSWORD })
  const alice = await login(server.app)
  // Control: a token the server issued opens the other service's route.
  assert.deepEqual(await call('/invoices', alice.access_token), { status: 200, body: { owner: 'alice' }, challenge: null })
  assert.deepEqual(await call('/invoices'), { status: 401, body: { detail: 'Not authenticated' }, challenge: 'Bearer' })
  assert.equal((await call('/invoices/all', alice.access_token)).status, 403)

  const store = await openConfiguredStore(loadConfig(env))
  t.after(() => store.close())
  await store.updateUser(root.id, { roles: ['user', 'admin'] }, new Date())
  const admin = await login(server.app, 'root', ADMIN_PASSWORD)
  assert.equal((await call('/invoices/all', admin.access_token)).status, 200)
  await store.updateUser(root.id, { roles: ['user'] }, new Date())
  assert.deepEqual(
    await call('/invoices/all', admin.access_token),
    { status: 403, body: { detail: 'Not enough permissions', error: 'insufficient_scope' }, challenge: 'Bearer error="insufficient_scope", scope="admin"' },
    'the demotion reaches the other service on the next request',
  )

  assert.equal((await server.app.inject({ method: 'POST', url: '/logout', headers: bearer(alice.access_token) })).statusCode, 204)
  assert.equal((await call('/invoices', alice.access_token)).status, 401, 'the logout on the server reaches the other service at once')
})
