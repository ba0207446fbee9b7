// Grows the users table to a given size with one precomputed hash, straight into the server's
// database (SQLite: a second connection, WAL; PostgreSQL: set-based INSERT ... SELECT).
import Database from 'better-sqlite3'
import pg from 'pg'

export type Target = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string; schema: string }

const CHUNK = 100_000

/** Adds seed users until there are `total` of them (ids seed-00000001 ...). @returns seconds taken. */
export async function seedUsers(t: Target, from: number, total: number, passwordHash: string): Promise<number> {
  const t0 = performance.now()
  const now = Date.now()
  if (t.kind === 'sqlite') {
    const db = new Database(t.path)
    db.pragma('busy_timeout = 10000')
    const insert = db.prepare(`
      WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i < ?)
      INSERT INTO users (id, username, username_key, password_hash, roles, created_at, updated_at)
      SELECT printf('seed-%08d', i), 'seed' || i, 'seed' || i, ?, '["user"]', ?, ? FROM n`)
    for (let a = from + 1; a <= total; a += CHUNK) insert.run(a, Math.min(total, a + CHUNK - 1), passwordHash, now, now)
    db.close()
  } else {
    const client = new pg.Client({ connectionString: t.url, options: `-c search_path=${t.schema}` })
    await client.connect()
    for (let a = from + 1; a <= total; a += CHUNK) {
      await client.query(
        `INSERT INTO users (id, username, username_key, password_hash, roles, created_at, updated_at)
         SELECT 'seed-' || lpad(i::text, 8, '0'), 'seed' || i, 'seed' || i, $3, '{user}', to_timestamp($4 / 1000.0), to_timestamp($4 / 1000.0)
         FROM generate_series($1::int, $2::int) i`,
        [a, Math.min(total, a + CHUNK - 1), passwordHash, now],
      )
    }
    await client.query('ANALYZE users')
    await client.end()
  }
  return (performance.now() - t0) / 1000
}
