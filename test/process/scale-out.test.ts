// Issue 7: several Gatehouse processes on one PostgreSQL and one Redis behave as one service.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { before, test } from 'node:test'
import { dropSchema, newSchemaName, schemaUrl, TEST_REDIS_URL } from '../helpers/postgres.js'
import { cli, ensureBuild, type Running, start, stop, timeUntil } from '../helpers/process.js'

before(ensureBuild)

const PASSWORD = 'a fine passphrase'
const json = { 'content-type': 'application/json' }
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const kidOf = (token: string) => (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid

export async function login(base: string, username: string, password = PASSWORD, scope?: string) {
  const fields: Record<string, string> = { username, password }
  if (scope) fields.scope = scope
  const res = await fetch(`${base}/token`, { method: 'POST', body: new URLSearchParams(fields) })
  return { status: res.status, body: (await res.json()) as { access_token: string; refresh_token: string } }
}
const meStatus = (base: string, token: string) => fetch(`${base}/users/me`, { headers: bearer(token) }).then((r) => r.status)
const refresh = (base: string, refresh_token: string) =>
  fetch(`${base}/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token }) })

/** A fresh schema and Redis key prefix; both instances share them. */
function deployment(t: import('node:test').TestContext, extra: Record<string, string> = {}) {
  const schema = newSchemaName()
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-scale-'))
  t.after(async () => {
    rmSync(dir, { recursive: true, force: true })
    await dropSchema(schema)
  })
  const env = {
    PORT: '0',
    DATABASE_URL: schemaUrl(schema),
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: `gh-test-${randomBytes(4).toString('hex')}:`,
    REFRESH_REUSE_GRACE: '0s',
    ...extra,
  }
  return { dir, env }
}

async function both(t: import('node:test').TestContext, dir: string, env: Record<string, string>): Promise<[Running, Running]> {
  const a = await start(dir, env)
  t.after(() => stop(a, 'SIGKILL'))
  const b = await start(dir, env)
  t.after(() => stop(b, 'SIGKILL'))
  return [a, b]
}

// The bounds are 200 ms, not the 1 s: a cached session expires after 1 s anyway, so only
// a bound well under that proves the bus (the entry is loaded just before each logout).
test('two instances on one PostgreSQL and one Redis: accounts, refresh reuse, back-off, key rotation and logout are shared', async (t) => {
  const { dir, env } = deployment(t)
  const [a, b] = await both(t, dir, env)

  // Register on A, log in on B.
  const reg = await fetch(`${a.base}/register`, { method: 'POST', headers: json, body: JSON.stringify({ username: 'kim', password: PASSWORD }) })
  assert.equal(reg.status, 201)
  const first = await login(b.base, 'kim')
  assert.equal(first.status, 200)
  assert.equal(await meStatus(a.base, first.body.access_token), 200)

  // Refresh on A; the spent token replayed on B is reuse (grace 0): the session ends everywhere.
  const rotated = await refresh(a.base, first.body.refresh_token)
  assert.equal(rotated.status, 200)
  const successor = (await rotated.json()) as { refresh_token: string; access_token: string }
  const replay = await refresh(b.base, first.body.refresh_token)
  assert.equal(replay.status, 400, 'reuse detected on the other instance')
  assert.equal((await refresh(a.base, successor.refresh_token)).status, 400, 'the whole session ended, also on A')
  assert.equal((await timeUntil(async () => (await meStatus(a.base, successor.access_token)) === 401, 200)) >= 0, true)

  // Back-off counts across both: 2 wrong passwords on A and 2 on B (from one address) block the
  // account+address after the 4th (3 are free), which neither instance alone would have done.
  for (const base of [a.base, a.base, b.base, b.base]) assert.equal((await login(base, 'kim', 'wrong password!')).status, 401)
  const blocked = await login(a.base, 'kim')
  assert.equal(blocked.status, 429, 'the 5th attempt is refused on A though A saw only 2 failures')

  // A key rotated on A (admin API) is published by B at once and tokens it signs are accepted by B.
  const admin = await cli(dir, env, ['users', 'create', 'root', '--admin', '--password-stdin'], `${PASSWORD}\n`)
  assert.equal(admin.code, 0, admin.stderr)
  const root = await login(a.base, 'root', PASSWORD, 'user admin')
  assert.equal(root.status, 200)
  const rot = await fetch(`${a.base}/admin/keys/rotate`, {
    method: 'POST',
    headers: { ...json, ...bearer(root.body.access_token) },
    body: JSON.stringify({ now: true }),
  })
  assert.equal(rot.status, 201, await rot.clone().text())
  const newKid = ((await rot.json()) as { kid: string }).kid
  const published = await timeUntil(async () => {
    const jwks = (await (await fetch(`${b.base}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }
    return jwks.keys.some((k) => k.kid === newKid)
  }, 200)
  const fresh = await login(a.base, 'root')
  assert.equal(kidOf(fresh.body.access_token), newKid)
  assert.equal(await meStatus(b.base, fresh.body.access_token), 200)

  // Logout on A is refused on B within 1 s: B serves the token from its cache until then.
  const session = await login(b.base, 'root')
  for (let i = 0; i < 3; i++) assert.equal(await meStatus(b.base, session.body.access_token), 200)
  const revoke = fetch(`${a.base}/revoke`, { method: 'POST', body: new URLSearchParams({ token: session.body.refresh_token }) })
  assert.equal((await revoke).status, 200)
  const propagation = await timeUntil(async () => (await meStatus(b.base, session.body.access_token)) === 401, 200)
  t.diagnostic(`key published on B after ${published.toFixed(0)} ms; logout on A refused on B after ${propagation.toFixed(1)} ms`)
})

/** A Redis of this test's own, on a free port, so it can be stopped and started again. */
async function ownRedis(t: import('node:test').TestContext, port: number) {
  const { spawn } = await import('node:child_process')
  const run = () => {
    const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
    t.after(() => proc.kill('SIGKILL'))
    return proc
  }
  const up = async () => {
    const { Redis } = await import('ioredis')
    await timeUntil(async () => {
      const r = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
      r.on('error', () => {})
      try {
        await r.connect()
        return (await r.ping()) === 'PONG'
      } catch {
        return false
      } finally {
        r.disconnect()
      }
    }, 5_000)
  }
  let proc: ReturnType<typeof run> | null = null
  return {
    start: async () => {
      proc = run()
      await up()
    },
    kill: () =>
      new Promise<void>((resolve) => {
        proc!.on('exit', () => resolve())
        proc!.kill('SIGKILL')
      }),
    restart: async () => {
      proc = run()
      await up()
    },
  }
}

const readyz = async (base: string) => (await (await fetch(`${base}/readyz`)).json()) as { status: string; checks: { redis: string } }

test('Redis goes away: both instances keep serving (limits per instance, revocation from the database), say so, and recover when it returns', async (t) => {
  const port = 20_000 + Math.floor(Math.random() * 20_000)
  const redis = await ownRedis(t, port)
  await redis.start()
  const { dir, env } = deployment(t, { REDIS_URL: `redis://127.0.0.1:${port}` })
  const [a, b] = await both(t, dir, env)
  assert.deepEqual((await readyz(a.base)).checks.redis, 'up')

  const reg = await fetch(`${a.base}/register`, { method: 'POST', headers: json, body: JSON.stringify({ username: 'lee', password: PASSWORD }) })
  assert.equal(reg.status, 201)
  const s1 = await login(b.base, 'lee')
  for (let i = 0; i < 3; i++) assert.equal(await meStatus(b.base, s1.body.access_token), 200) // cached on B

  await redis.kill()
  const noticed = await timeUntil(async () => (await readyz(b.base)).status === 'degraded', 2_000)
  assert.deepEqual(await readyz(a.base), { status: 'degraded', checks: { database: 'up', redis: 'down' } })

  // Revocation without the bus: B stops trusting its cache and reads the database.
  assert.equal((await fetch(`${a.base}/revoke`, { method: 'POST', body: new URLSearchParams({ token: s1.body.refresh_token }) })).status, 200)
  const revokedWhileDown = await timeUntil(async () => (await meStatus(b.base, s1.body.access_token)) === 401, 200)
  // Limits still apply, per instance: 3 free failures from this address, then 429.
  for (let i = 0; i < 4; i++) assert.equal((await login(a.base, 'lee', 'wrong password!')).status, 401)
  assert.equal((await login(a.base, 'lee')).status, 429)
  assert.equal((await login(b.base, 'lee')).status, 200, 'B counts alone while Redis is away')
  assert.match(a.output(), /redis unavailable/)

  await redis.restart()
  const recovered = await timeUntil(async () => (await readyz(a.base)).status === 'ready' && (await readyz(b.base)).status === 'ready', 5_000)
  const s2 = await login(b.base, 'lee')
  for (let i = 0; i < 3; i++) assert.equal(await meStatus(b.base, s2.body.access_token), 200)
  assert.equal((await fetch(`${a.base}/revoke`, { method: 'POST', body: new URLSearchParams({ token: s2.body.refresh_token }) })).status, 200)
  const revokedAfter = await timeUntil(async () => (await meStatus(b.base, s2.body.access_token)) === 401, 200)
  t.diagnostic(
    `outage seen by readyz after ${noticed.toFixed(0)} ms; logout seen on B during the outage after ${revokedWhileDown.toFixed(1)} ms; ` +
      `recovered ${recovered.toFixed(0)} ms after Redis returned; logout propagation after recovery ${revokedAfter.toFixed(1)} ms`,
  )
})

test('an instance started while Redis is down serves degraded, then joins the bus when Redis comes', async (t) => {
  const port = 20_000 + Math.floor(Math.random() * 20_000)
  const redis = await ownRedis(t, port)
  const { dir, env } = deployment(t, { REDIS_URL: `redis://127.0.0.1:${port}` })
  const [a, b] = await both(t, dir, env)
  assert.deepEqual(await readyz(a.base), { status: 'degraded', checks: { database: 'up', redis: 'down' } })
  assert.equal(
    (await fetch(`${a.base}/register`, { method: 'POST', headers: json, body: JSON.stringify({ username: 'max', password: PASSWORD }) })).status,
    201,
  )

  await redis.start()
  const joined = await timeUntil(async () => (await readyz(a.base)).status === 'ready' && (await readyz(b.base)).status === 'ready', 5_000)
  const s = await login(b.base, 'max')
  for (let i = 0; i < 3; i++) assert.equal(await meStatus(b.base, s.body.access_token), 200)
  assert.equal((await fetch(`${a.base}/revoke`, { method: 'POST', body: new URLSearchParams({ token: s.body.refresh_token }) })).status, 200)
  const propagation = await timeUntil(async () => (await meStatus(b.base, s.body.access_token)) === 401, 200)
  t.diagnostic(`joined ${joined.toFixed(0)} ms after Redis started; logout propagation ${propagation.toFixed(1)} ms`)
})
