// WORKERS=N (node:cluster) on SQLite and on PostgreSQL, and graceful shutdown, as real processes.
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { before, test } from 'node:test'
import { dropSchema, newSchemaName, schemaUrl, TEST_REDIS_URL } from '../helpers/postgres.js'
import { ensureBuild, start, stop } from '../helpers/process.js'
import { startSmtp } from '../helpers/smtp.js'

before(ensureBuild)

const PASSWORD = 'a fine passphrase'

/** One request on a new connection (no keep-alive), so the cluster hands each to the next worker. */
function once(
  base: string,
  method: string,
  path: string,
  opts: { body?: string; type?: string; token?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {}
    if (opts.body !== undefined) headers['content-type'] = opts.type ?? 'application/json'
    if (opts.token) headers.authorization = `Bearer ${opts.token}`
    const req = request(`${base}${path}`, { method, agent: false, headers }, (res) => {
      let body = ''
      res.on('data', (d) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode!, body }))
    })
    req.on('error', reject)
    req.end(opts.body)
  })
}
const form = (f: Record<string, string>) => ({ body: new URLSearchParams(f).toString(), type: 'application/x-www-form-urlencoded' })

for (const backend of ['sqlite', 'postgres', 'postgres+redis'] as const) {
  test(`WORKERS=2 on ${backend}: two processes serve one port; logout and back-off hold across them`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-workers-'))
    const schema = newSchemaName()
    t.after(async () => {
      rmSync(dir, { recursive: true, force: true })
      if (backend !== 'sqlite') await dropSchema(schema)
    })
    const metricsPort = 20_000 + Math.floor(Math.random() * 20_000)
    const env = {
      PORT: '0',
      DATABASE_URL: backend === 'sqlite' ? 'sqlite:./g.db' : schemaUrl(schema),
      ...(backend === 'postgres+redis' ? { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: `${schema}:` } : {}),
      REFRESH_REUSE_GRACE: '0s',
      METRICS_PORT: String(metricsPort),
      METRICS_TOKEN: 'm'.repeat(32),
    }
    // PORT=0 under cluster: every worker shares the one port the primary picked.
    const server = await start(dir, env, ['serve', '--workers', '2'])
    t.after(() => stop(server, 'SIGKILL'))
    await new Promise((r) => setTimeout(r, 1500)) // the second worker's start-up
    const pids = new Set([...server.output().matchAll(/"pid":(\d+)[^\n]*Gatehouse listening/g)].map((m) => m[1]))
    assert.equal(pids.size, 2, server.output())

    assert.equal((await once(server.base, 'POST', '/register', { body: JSON.stringify({ username: 'ann', password: PASSWORD }) })).status, 201)
    const tok = await once(server.base, 'POST', '/token', form({ username: 'ann', password: PASSWORD }))
    assert.equal(tok.status, 200)
    const { access_token, refresh_token } = JSON.parse(tok.body) as { access_token: string; refresh_token: string }
    for (let i = 0; i < 4; i++) assert.equal((await once(server.base, 'GET', '/users/me', { token: access_token })).status, 200)
    const served = new Set([...server.output().matchAll(/"pid":(\d+)[^\n]*"request completed"/g)].map((m) => m[1]))
    assert.equal(served.size, 2, 'requests went to both workers')

    // Logout through one worker: every following request, whichever worker takes it, is refused.
    assert.equal((await once(server.base, 'POST', '/revoke', form({ token: refresh_token }))).status, 200)
    for (let i = 0; i < 6; i++) assert.equal((await once(server.base, 'GET', '/users/me', { token: access_token })).status, 401)

    // Back-off is the machine's, not a worker's: 4 failures spread over both block the 5th.
    for (let i = 0; i < 4; i++) assert.equal((await once(server.base, 'POST', '/token', form({ username: 'ann', password: 'wrong password!' }))).status, 401)
    assert.equal((await once(server.base, 'POST', '/token', form({ username: 'ann', password: PASSWORD }))).status, 429)

    // METRICS_PORT: the primary sums both workers' metrics; the API port does not serve them.
    assert.equal((await once(server.base, 'GET', '/metrics')).status, 404)
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`
    assert.equal((await fetch(metricsUrl)).status, 401, 'METRICS_TOKEN guards them')
    const text = await (await fetch(metricsUrl, { headers: { authorization: `Bearer ${'m'.repeat(32)}` } })).text()
    const me = [...text.matchAll(/^gatehouse_http_requests_total\{[^}]*route="\/users\/me"[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0)
    assert.equal(me, 10, 'the 10 /users/me requests, whichever worker served them')
    assert.equal(await stop(server), 0, 'SIGTERM: workers finish, the primary exits 0')
  })
}

test('graceful shutdown: SIGTERM refuses new connections, lets the request in flight finish and be stored, then exits 0', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-stop-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const env = { PORT: '0', DATABASE_URL: 'sqlite:./g.db', RATE_LIMIT: 'off' }
  const server = await start(dir, env)
  t.after(() => stop(server, 'SIGKILL'))
  const { hostname, port } = new URL(server.base)
  const body = JSON.stringify({ username: 'late', password: PASSWORD })

  // A registration whose body is only half sent when SIGTERM arrives.
  const socket = connect(Number(port), hostname)
  await new Promise((r) => socket.once('connect', r))
  let answer = ''
  socket.on('data', (d) => (answer += d))
  socket.write(`POST /register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`)
  await new Promise((r) => setTimeout(r, 200))
  const exited = new Promise<number | null>((resolve) => server.proc.on('exit', resolve))
  server.proc.kill('SIGTERM')
  await new Promise((r) => setTimeout(r, 300))

  const refused = await new Promise<string>((resolve) => {
    const probe = connect(Number(port), hostname)
    probe.on('connect', () => {
      probe.destroy()
      resolve('connected')
    })
    probe.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'))
  })
  assert.equal(refused, 'ECONNREFUSED', 'no new connections once shutting down')
  assert.equal(server.proc.exitCode, null, 'still running: a request is in flight')

  const closed = new Promise((r) => socket.once('close', r))
  socket.write(body.slice(10))
  assert.equal(await exited, 0, server.output())
  await closed
  assert.match(answer, /^HTTP\/1\.1 201 /, server.output())

  const again = await start(dir, env)
  t.after(() => stop(again, 'SIGKILL'))
  const tok = await fetch(`${again.base}/token`, { method: 'POST', body: new URLSearchParams({ username: 'late', password: PASSWORD }) })
  assert.equal(tok.status, 200, 'the registration finished during shutdown was stored')
})

test('WORKERS=2 on PostgreSQL with SMTP: every message is delivered exactly once, whichever worker queued or sends it', async (t) => {
  const smtp = await startSmtp(t)
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-workers-mail-'))
  const schema = newSchemaName()
  t.after(async () => {
    rmSync(dir, { recursive: true, force: true })
    await dropSchema(schema)
  })
  const env = { PORT: '0', DATABASE_URL: schemaUrl(schema), SMTP_URL: smtp.url, RATE_LIMIT: 'off' }
  const server = await start(dir, env, ['serve', '--workers', '2'])
  t.after(() => stop(server, 'SIGKILL'))
  await new Promise((r) => setTimeout(r, 1500))
  await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      once(server.base, 'POST', '/register', { body: JSON.stringify({ username: `mailer${i}`, email: `mailer${i}@example.com`, password: PASSWORD }) }),
    ),
  )
  const got = await smtp.waitFor(12)
  await new Promise((r) => setTimeout(r, 2500)) // both workers' senders polled again meanwhile
  assert.equal(smtp.received.length, 12)
  assert.equal(new Set(got.map((m) => m.to[0])).size, 12)
})
