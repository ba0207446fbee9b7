// A database that cannot be opened, met as an operator meets it: `gatehouse serve` and a CLI
// command as real processes, exit 1, and one line that says what was tried and why: host, port,
// database, role and the driver's reason; never the password, never a stack trace.
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { before, type TestContext, test } from 'node:test'
import { cli, ensureBuild } from '../helpers/process.js'
import { TEST_DATABASE_URL } from '../helpers/postgres.js'

before(ensureBuild)

const PASSWORD = 'pw-Never-Printed-7f3a'
const server = new URL(TEST_DATABASE_URL)
const pgUrl = (over: { port?: string; database?: string; user?: string }) => {
  const u = new URL(TEST_DATABASE_URL)
  if (over.port) u.port = over.port
  if (over.database) u.pathname = `/${over.database}`
  u.username = over.user ?? (u.username || 'postgres')
  u.password = PASSWORD
  return u.toString()
}
const user = server.username || 'postgres'
const database = server.pathname.slice(1)

function dir(t: TestContext): string {
  const d = mkdtempSync(join(tmpdir(), 'gatehouse-open-'))
  t.after(() => rmSync(d, { recursive: true, force: true }))
  return d
}

/** Both ways in: the server's start, and a command that opens only the database. */
async function assertRefused(t: TestContext, env: Record<string, string>, expected: RegExp[]): Promise<void> {
  const cwd = dir(t)
  for (const args of [['serve'], ['users', 'list']]) {
    const r = await cli(cwd, { PORT: '0', ...env }, args, undefined, 30_000)
    const what = `${args.join(' ')}: ${r.stderr}`
    assert.equal(r.code, 1, what)
    assert.match(r.stderr, /^gatehouse: cannot open the database \(/, what)
    for (const re of expected) assert.match(r.stderr, re, what)
    assert.ok(!r.stderr.includes(PASSWORD) && !r.stdout.includes(PASSWORD), `${what}: the password is never printed`)
    assert.doesNotMatch(r.stderr, /^\s+at /m, `${what}: no stack trace`)
    assert.doesNotMatch(r.stderr, /StoreUnavailableError/, what)
    assert.equal(r.stderr.trim().split('\n').length, 1, `${what}: one line`)
  }
}

// @see issue 13: each of these printed `StoreUnavailableError: database unavailable` and a stack, the reason hidden in err.cause.
test('a wrong PostgreSQL port names host and port and says the connection was refused', async (t) => {
  await assertRefused(t, { DATABASE_URL: pgUrl({ port: '1' }) }, [
    new RegExp(`PostgreSQL at ${server.hostname}:1, database ${database}, role ${user}\\)`),
    /ECONNREFUSED/,
    /is PostgreSQL running/,
  ])
})

test('a missing database is named, with its SQLSTATE', async (t) => {
  await assertRefused(t, { DATABASE_URL: pgUrl({ database: 'nonexistent_db_x' }) }, [
    /database nonexistent_db_x, role /,
    /database "nonexistent_db_x" does not exist \(SQLSTATE 3D000\)/,
  ])
})

test('an unknown role is named, with its SQLSTATE', async (t) => {
  await assertRefused(t, { DATABASE_URL: pgUrl({ user: 'nosuchrole' }) }, [/, role nosuchrole\)/, /role "nosuchrole" does not exist \(SQLSTATE 28000\)/])
})

test('an unreadable TLS file named in DATABASE_URL is reported the same way, not as a crash', async (t) => {
  const url = `${pgUrl({})}?sslmode=require&sslcert=/nonexistent/client.crt&sslkey=/nonexistent/client.key`
  await assertRefused(t, { DATABASE_URL: url }, [new RegExp(`PostgreSQL at ${server.hostname}:`), /ENOENT|no such file/])
})

// @see issue 13: `sqlite:/nonexistent/dir/x.db` silently created /nonexistent/dir.
test('sqlite: a database path inside a folder that does not exist is refused, naming that folder, and nothing is created', async (t) => {
  const base = dir(t)
  const missing = join(base, 'missing')
  await assertRefused(t, { DATABASE_URL: `sqlite:${join(missing, 'dir', 'x.db')}` }, [new RegExp(`the folder ${missing} does not exist`)])
  assert.equal(existsSync(missing), false)
  // The database's own folder inside an existing one is still created, as the default ./data is.
  const own = await cli(base, { DATABASE_URL: 'sqlite:./own/x.db' }, ['migrate'])
  assert.equal(own.code, 0, own.stderr)
  assert.ok(existsSync(join(base, 'own', 'x.db')))
  const dflt = await cli(base, {}, ['migrate'])
  assert.equal(dflt.code, 0, dflt.stderr)
  assert.ok(existsSync(join(base, 'data', 'gatehouse.db')), 'the default ./data/gatehouse.db')
})
