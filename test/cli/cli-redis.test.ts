// The CLI with REDIS_URL set, as a real process: commands that change what servers cache tell
// them over Redis; the others never connect; and closing its own connections is no outage.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { before, type TestContext, test } from 'node:test'
import { cli, ensureBuild } from '../helpers/process.js'
import { TEST_REDIS_URL } from '../helpers/postgres.js'

before(ensureBuild)

function workspace(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-redis-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return { dir, env: { DATABASE_URL: `sqlite:${join(dir, 'g.db')}` } }
}

/** A TCP port that only counts who connects to it (and never answers). */
async function listener(t: TestContext): Promise<{ url: string; connections: () => number }> {
  let n = 0
  const sockets = new Set<Socket>()
  const server = createServer((s) => {
    n++
    sockets.add(s)
    s.on('error', () => {})
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => {
    for (const s of sockets) s.destroy()
    server.close()
  })
  return { url: `redis://127.0.0.1:${(server.address() as { port: number }).port}`, connections: () => n }
}

// @see issue 13: every command printed "redis unavailable" as it closed its own connections.
test('cli: with a reachable REDIS_URL no command reports a Redis outage (closing its own connections is none)', async (t) => {
  const { dir, env } = workspace(t)
  const withRedis = { ...env, REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: `gh-cli-${process.pid}:` }
  const created = await cli(dir, withRedis, ['users', 'create', 'alice', '--password-stdin'], 'alice passphrase for tests')
  assert.equal(created.code, 0, created.stderr)
  for (const args of [
    ['users', 'disable', 'alice'],
    ['users', 'enable', 'alice'],
    ['keys', 'rotate'],
    ['users', 'list'],
  ]) {
    const r = await cli(dir, withRedis, args)
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`)
    assert.doesNotMatch(r.stderr, /redis/i, args.join(' '))
  }
})

// @see issue 13: the README says `users list` opens the database and nothing else; it connected to Redis.
test('cli: commands that only read, or change nothing a server caches, never connect to Redis', async (t) => {
  const { dir, env } = workspace(t)
  const redis = await listener(t)
  const withRedis = { ...env, REDIS_URL: redis.url }
  for (const args of [['migrate'], ['users', 'list'], ['users', 'list', '--json'], ['keys', 'list'], ['audit', 'verify']]) {
    const r = await cli(dir, withRedis, args)
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`)
  }
  assert.equal((await cli(dir, withRedis, ['users', 'create', 'bob', '--password-stdin'], 'bob passphrase for tests')).code, 0)
  assert.equal(redis.connections(), 0)
  // The control: a command whose change servers must hear does connect (and goes on when Redis does not answer).
  const disabled = await cli(dir, withRedis, ['users', 'disable', 'bob'])
  assert.equal(disabled.code, 0, disabled.stderr)
  assert.ok(redis.connections() > 0)
  assert.match(disabled.stderr, /redis not reachable at start \(127\.0\.0\.1:\d+: /)
})
