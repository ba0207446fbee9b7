import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import type { Store } from '../store.js'
import { sqliteAudit } from './audit.js'
import { sqliteKeys } from './keys.js'
import { SQLITE_MIGRATIONS } from './migrations.js'
import { sqliteOneTimeTokens, sqliteOutbox } from './one-time-tokens.js'
import { sqliteSessions } from './sessions.js'
import { SqliteDb } from './sqlite-db.js'
import { sqliteUsers } from './users.js'

/**
 * Opens (creating when needed) a SQLite database: `:memory:` or a file path.
 * WAL for concurrent readers, synchronous=FULL so a committed write survives power loss.
 * One file per noun implements its part of the Store contract over one shared connection.
 */
/**
 * The database holds private signing keys and password hashes: only its owner may read it. The
 * folder is created 0700, the file 0600 before SQLite opens it (SQLite gives the -wal and -shm
 * files the database file's mode), and files an older version left readable are tightened.
 */
function restrictFiles(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600))
  for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file)) chmodSync(file, 0o600)
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
  const d = new SqliteDb(db)
  return {
    [SQLITE_CONNECTION]: db,
    ...sqliteUsers(d),
    ...sqliteSessions(d),
    ...sqliteKeys(d),
    ...sqliteOneTimeTokens(d),
    ...sqliteOutbox(d),
    ...sqliteAudit(d),

    async migrate() {
      db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)')
      // IMMEDIATE takes the write lock first, so two processes never apply one migration twice.
      d.tx(() => {
        const done = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version))
        for (const m of SQLITE_MIGRATIONS) {
          if (done.has(m.version)) continue
          db.exec(m.sql)
          db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now())
        }
      })
    },

    async ping() {
      d.q('SELECT 1').get()
    },

    async close() {
      if (db.open) db.close()
    },
  }
}
