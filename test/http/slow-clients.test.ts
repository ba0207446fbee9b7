// Slow and heavy clients, over real sockets: deliberate timeouts, Node's own errors in the
// contract's shape, a bounded hash queue, abandoned work dropped, a per-address cap.
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { test } from 'node:test'
import { buildTestApp } from '../helpers/build-app.js'
import { FORM, form, registerUser } from '../helpers/fixtures.js'

/** Sends `request` on a raw socket and resolves to everything the server wrote before closing. */
function raw(port: number, request: string, drip?: { bytes: string; everyMs: number }): Promise<{ text: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const start = performance.now()
    const socket: Socket = connect(port, '127.0.0.1', () => {
      socket.write(request)
      if (drip) {
        let i = 0
        const timer = setInterval(() => {
          if (socket.destroyed || i >= drip.bytes.length) return clearInterval(timer)
          socket.write(drip.bytes[i++]!)
        }, drip.everyMs)
        socket.on('close', () => clearInterval(timer))
      }
    })
    let text = ''
    socket.on('data', (d) => (text += d))
    // The safety net must not outlive the socket: a pending 20 s timer kept the file's process
    // alive ~15 s after its last test.
    const timer = setTimeout(() => socket.destroy(), 20_000)
    socket.on('close', () => {
      clearTimeout(timer)
      resolve({ text, ms: performance.now() - start })
    })
    socket.on('error', reject)
  })
}

const parse = (text: string) => {
  const [head = '', body = ''] = text.split('\r\n\r\n')
  return { status: Number(head.split(' ')[1]), head: head.toLowerCase(), body }
}

// @see issue 6: a body dripped one byte every 10 s held its connection for good.
test('a client dripping its body gets 408 at REQUEST_TIMEOUT, in the contract shape, and loses the connection', async (t) => {
  const { app } = await buildTestApp(t, { REQUEST_TIMEOUT: '2s' })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const port = (app.server.address() as { port: number }).port
  const head = 'POST /register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n'
  const control = await raw(port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
  assert.equal(parse(control.text).status, 200, 'control: a prompt client is served')
  const slow = await raw(port, head, { bytes: '{"username": "dripping", "password": "x"}'.padEnd(200), everyMs: 400 })
  const r = parse(slow.text)
  assert.equal(r.status, 408)
  assert.deepEqual(JSON.parse(r.body), { detail: 'Request timed out' })
  assert.match(r.head, /x-request-id: [0-9a-f-]{36}/)
  assert.ok(slow.ms < 5000, `cut off after ${slow.ms.toFixed(0)} ms`)
})

test("Node's own 431 and 400 answers carry a detail and an x-request-id", async (t) => {
  const { app } = await buildTestApp(t)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const port = (app.server.address() as { port: number }).port
  const huge = parse((await raw(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)).text)
  assert.equal(huge.status, 431)
  assert.deepEqual(JSON.parse(huge.body), { detail: 'Request headers too large' })
  assert.match(huge.head, /x-request-id: /)
  const garbage = parse((await raw(port, 'THIS IS NOT HTTP\r\n\r\n')).text)
  assert.equal(garbage.status, 400)
  assert.deepEqual(JSON.parse(garbage.body), { detail: 'Malformed request' })
  assert.match(garbage.head, /x-request-id: /)
})

test('the hash queue is bounded: past HASH_QUEUE_MAX waiting, 503 with Retry-After, and nothing queues without bound', async (t) => {
  // Fifteen times the default cost, so the first hash cannot finish before all eight are queued
  // (at the default cost a loaded CI machine let a fourth login into the freed slot).
  const { app } = await buildTestApp(t, { HASH_CONCURRENCY: '1', HASH_QUEUE_MAX: '2', ARGON2_ITERATIONS: '30' })
  await registerUser(app)
  const results = await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      app.inject({ method: 'POST', url: '/token', headers: FORM, payload: form({ username: `nobody${i}`, password: 'wrong password here' }) }),
    ),
  )
  const statuses = results.map((r) => r.statusCode)
  const hashed = statuses.filter((s) => s === 401).length
  const refused = statuses.filter((s) => s === 503).length
  assert.equal(hashed + refused, 8, `only 401 and 503: ${statuses}`)
  // One hashing and two waiting take three; the other five are refused, unless the first hash
  // ends before the last requests arrive (a loaded CI machine spreads eight injections over more
  // than one hash): then a freed slot takes one or two more. Without the bound all eight would wait.
  assert.ok(hashed >= 3 && hashed <= 5 && refused >= 3, `one hashing, two waiting, the rest refused: ${hashed} hashed, ${refused} refused`)
  const busy = results.find((r) => r.statusCode === 503)!
  assert.deepEqual(busy.json(), { detail: 'Server busy; retry shortly' })
  assert.equal(busy.headers['retry-after'], '1')
})

// @see issue 6: 20 abandoned logins still cost 20 hashes.
test('logins whose clients disconnect while queued are never hashed', async (t) => {
  // Ten times the default cost (~100 ms a hash), so most of the 20 are still queued when they leave.
  const { app, deps } = await buildTestApp(t, { HASH_CONCURRENCY: '1', ARGON2_ITERATIONS: '20' })
  await registerUser(app)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const port = (app.server.address() as { port: number }).port
  const verifies = async () => {
    const text = await deps.metrics.registry.getSingleMetricAsString('gatehouse_password_hash_duration_seconds')
    return Number(/_count\{op="verify"\} (\d+)/.exec(text)?.[1] ?? 0)
  }
  const body = form({ username: 'alice', password: 'wrong password here' })
  const request = `POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body}`
  const before = await verifies()
  const sockets = Array.from({ length: 20 }, () =>
    connect(port, '127.0.0.1', function (this: Socket) {
      this.write(request)
    }),
  )
  await new Promise((r) => setTimeout(r, 150)) // all 20 are in: one or two hashed, the rest queued
  for (const s of sockets) s.destroy()
  await new Promise((r) => setTimeout(r, 2500)) // long enough for all 20 to have been hashed, were they kept
  const abandoned = (await verifies()) - before
  assert.ok(abandoned <= 4, `${abandoned} hashes were computed for 20 clients that left`)
  // Control: requests that are waited for are all hashed (five accounts: one check per account at a time).
  const done = await Promise.all(
    Array.from({ length: 5 }, (_, i) =>
      app.inject({ method: 'POST', url: '/token', headers: FORM, payload: form({ username: `someone${i}`, password: 'wrong password here' }) }),
    ),
  )
  assert.ok(done.every((r) => r.statusCode === 401))
  assert.equal((await verifies()) - before - abandoned, 5)
})

test('at most HASH_PER_ADDRESS password checks in flight from one address; other addresses are unaffected', async (t) => {
  const { app } = await buildTestApp(t, { RATE_LIMIT: 'on', HASH_PER_ADDRESS: '2', HASH_CONCURRENCY: '1' })
  const login = (i: number, remoteAddress: string) =>
    app.inject({ method: 'POST', url: '/token', headers: FORM, remoteAddress, payload: form({ username: `someone${i}`, password: 'wrong password here' }) })
  const one = await Promise.all(Array.from({ length: 6 }, (_, i) => login(i, '203.0.113.9')))
  const statuses = one.map((r) => r.statusCode).sort()
  assert.deepEqual(statuses, [401, 401, 429, 429, 429, 429])
  assert.equal(one.find((r) => r.statusCode === 429)!.headers['retry-after'], '1')
  const many = await Promise.all(Array.from({ length: 6 }, (_, i) => login(i + 10, `198.51.100.${i}`)))
  assert.ok(many.every((r) => r.statusCode === 401))
  assert.equal((await login(99, '203.0.113.9')).statusCode, 401, 'the slots come back')
})

test('headers dripped slowly get 408 too (headers within 10 s, or REQUEST_TIMEOUT when shorter)', async (t) => {
  const { app } = await buildTestApp(t, { REQUEST_TIMEOUT: '2s' })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const port = (app.server.address() as { port: number }).port
  const slow = await raw(port, 'GET / HTTP/1.1\r\nHost: x\r\n', { bytes: 'X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', everyMs: 300 })
  assert.equal(parse(slow.text).status, 408)
  assert.ok(slow.ms < 5000, `cut off after ${slow.ms.toFixed(0)} ms`)
})

test('an idle keep-alive connection is closed after 5 s', async (t) => {
  const { app } = await buildTestApp(t)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const port = (app.server.address() as { port: number }).port
  const r = await raw(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n') // keep-alive by default in HTTP/1.1
  assert.equal(parse(r.text).status, 200)
  assert.match(parse(r.text).head, /keep-alive: timeout=5/)
  assert.ok(r.ms >= 4000 && r.ms < 8000, `closed after ${r.ms.toFixed(0)} ms`)
})
