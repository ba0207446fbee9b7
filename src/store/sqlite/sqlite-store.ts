import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import type { Store } from '../store.js'
import { sqlNouns } from '../sql/store.js'
import { SQLITE_MIGRATIONS } from './migrations.js'
import { SqliteDb } from './sqlite-db.js'

/**
 * Opens (creating when needed) a SQLite database: `:memory:` or a file path.
 * WAL for concurrent readers, synchronous=FULL so a committed write survives power loss.
 * The nouns (src/store/sql/) run over one shared connection through the SQLite adapter.
 */
/**
 * The database holds private signing keys and password hashes: only its owner may read it. The
 * folder is created 0700, the file 0600 before SQLite opens it (SQLite gives the -wal and -shm
 * files the database file's mode), and files an older version left readable are tightened.
 */
function restrictFiles(path: string): void {
  createOwnFolder(dirname(path))
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600))
  for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file)) chmodSync(file, 0o600)
}

/**
 * The database's own folder is created when missing (the default `./data`, or `/var/lib/gatehouse`
 * for `/var/lib/gatehouse/g.db`), but only inside a folder that exists: a mistyped path must fail
 * at start, not silently grow a tree and start an empty database in it.
 */
function createOwnFolder(dir: string): void {
  if (existsSync(dir)) return
  const parent = dirname(dir)
  if (!existsSync(parent))
    throw new Error(`the folder ${parent} does not exist (Gatehouse creates the database's own folder, ${dir}, only inside an existing one)`)
  mkdirSync(dir, { mode: 0o700 })
}

/** The store's connection, for tests that check its pragmas; not part of the Store contract. */
export const SQLITE_CONNECTION = Symbol('sqlite connection')

export function openSqliteStore(path: string): Store & { [SQLITE_CONNECTION]: Database.Database } {
  if (path !== ':memory:') restrictFiles(path)
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.pragma('foreign_keys = ON')
  db.pragma('busy_timeout = 5000')
  // A replaced secret (a TOTP secret re-encrypted, a key revoked) must not linger in free pages.
  db.pragma('secure_delete = ON')
  const d = new SqliteDb(db)
  return {
    [SQLITE_CONNECTION]: db,
    ...sqlNouns(d),

    async migrate() {
      db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)')
      // IMMEDIATE takes the write lock first, so two processes never apply one migration twice.
      await d.tx(async () => {
        const done = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version))
        for (const m of SQLITE_MIGRATIONS) {
          if (done.has(m.version)) continue
          db.exec(m.sql)
          db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now())
        }
      })
    },

    async ping() {
      await d.one('SELECT 1')
    },

    async close() {
      if (db.open) db.close()
    },
  }
}
