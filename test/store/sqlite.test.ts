import assert from 'node:assert/strict'
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import Database from 'better-sqlite3'
import { openStore } from '../../src/store/open-store.js'
import { openSqliteStore, SQLITE_CONNECTION } from '../../src/store/sqlite/sqlite-store.js'
import { storeContract } from './store-contract.js'

storeContract('sqlite', () => openStore({ kind: 'sqlite', path: ':memory:' }))

test('sqlite: a file database uses WAL, synchronous=FULL and foreign keys; migrations run once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-store-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const path = join(dir, 'g.db')
  const a = await openStore({ kind: 'sqlite', path })
  const b = openSqliteStore(path)
  await b.migrate() // a second process migrating the same file is a no-op
  await a.close()
  await b.close()
  const db = new Database(path, { readonly: true })
  t.after(() => db.close())
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal')
  assert.deepEqual(db.prepare('SELECT version, name FROM schema_migrations').all(), [
    { version: 1, name: 'init' },
    { version: 2, name: 'operate' },
    { version: 3, name: 'email' },
    { version: 4, name: 'mfa' },
    { version: 5, name: 'passkeys' },
    { version: 6, name: 'webauthn-challenge-age' },
    { version: 7, name: 'clients' },
    { version: 8, name: 'oidc-grants' },
  ])
  const fresh = openSqliteStore(path)
  t.after(() => fresh.close())
  const inner = fresh[SQLITE_CONNECTION]
  assert.equal(inner.pragma('synchronous', { simple: true }), 2, 'FULL')
  assert.equal(inner.pragma('foreign_keys', { simple: true }), 1)
})

test('sqlite: a session ended through another connection is seen at once despite the read cache', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-store-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const path = join(dir, 'g.db')
  const a = await openStore({ kind: 'sqlite', path })
  const b = openSqliteStore(path) // a second instance or the CLI
  t.after(async () => {
    await a.close()
    await b.close()
  })
  const user = await a.createUser({
    id: crypto.randomUUID(),
    username: 'kim',
    usernameKey: 'kim',
    email: null,
    emailKey: null,
    passwordHash: 'h',
    roles: ['user'],
    createdAt: new Date(),
  })
  const now = new Date()
  const s = await a.createSession({
    id: crypto.randomUUID(),
    userId: user.id,
    scope: 'user',
    amr: ['pwd'],
    authTime: now,
    refreshHash: 'r1',
    createdAt: now,
    expiresAt: new Date(now.getTime() + 3600_000),
    idleExpiresAt: new Date(now.getTime() + 600_000),
    userAgent: null,
    ip: null,
  })
  const first = await a.findSessionWithUser(s.id)
  assert.equal(first?.session.endedAt, null)
  // The very same object, synchronously: a read the database could not have served.
  assert.equal(a.peekSessionWithUser(s.id), first, 'served from the cache')
  assert.equal(await a.findSessionWithUser(s.id), first)
  const settle = () => new Promise((r) => setTimeout(r, 2)) // another process's commit shows within 1 ms
  await b.endSession(s.id, new Date())
  await settle()
  assert.equal(a.peekSessionWithUser(s.id), undefined, "another connection's commit drops the cached entry")
  assert.ok((await a.findSessionWithUser(s.id))?.session.endedAt, "the other connection's commit is visible")
  await b.updateUser(user.id, { disabled: true }, new Date())
  await settle()
  assert.equal((await a.findSessionWithUser(s.id))?.user.disabled, true)
  await a.updateUser(user.id, { disabled: false }, new Date())
  assert.equal((await a.findSessionWithUser(s.id))?.user.disabled, false, 'own writes invalidate too')
})

// @see issue 6: the folder was created 0755 and the files 0644, so any local user could read the private signing key.
test('sqlite: the database folder is created 0700 and the database, WAL and SHM files 0600; old loose files are tightened', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-store-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const path = join(dir, 'nested', 'g.db')
  const store = await openStore({ kind: 'sqlite', path })
  await store.createUser({
    id: crypto.randomUUID(),
    username: 'kim',
    usernameKey: 'kim',
    email: null,
    emailKey: null,
    passwordHash: 'h',
    roles: ['user'],
    createdAt: new Date(),
  })
  const mode = (p: string) => statSync(p).mode & 0o777
  assert.equal(mode(join(dir, 'nested')), 0o700)
  for (const f of [path, `${path}-wal`, `${path}-shm`]) assert.equal(mode(f), 0o600, f)
  await store.close()
  chmodSync(path, 0o644) // as an older version left it
  const again = await openStore({ kind: 'sqlite', path })
  t.after(() => again.close())
  assert.equal(mode(path), 0o600)
})
