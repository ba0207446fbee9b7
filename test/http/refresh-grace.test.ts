import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildTestApp, testClock } from '../helpers/build-app.js'
import { login, me, registerUser, type Tokens, refreshRequest } from '../helpers/fixtures.js'

const refreshBody = refreshRequest

test('a replay within REFRESH_REUSE_GRACE gets the same successor refresh token and a fresh access token, and raises no alarm', async (t) => {
  const clock = testClock()
  const { app } = await buildTestApp(t, {}, { clock })
  await registerUser(app)
  const first = await login(app)
  const a = (await app.inject(refreshBody(first.refresh_token))).json() as Tokens
  clock.advance(9)
  const replay = await app.inject(refreshBody(first.refresh_token))
  assert.equal(replay.statusCode, 200, replay.body)
  const b = replay.json() as Tokens
  assert.equal(b.refresh_token, a.refresh_token, 'the same successor, not a fork')
  assert.notEqual(b.access_token, a.access_token)
  assert.equal((await me(app, b.access_token)).statusCode, 200)
  assert.equal((await me(app, a.access_token)).statusCode, 200, 'the first answer is still good: no reuse alarm')
  const onward = await app.inject(refreshBody(a.refresh_token))
  assert.equal(onward.statusCode, 200, 'the successor works')
})

test('a replay of a token whose successor was also rotated follows the chain to the current token', async (t) => {
  const clock = testClock()
  const { app } = await buildTestApp(t, {}, { clock })
  await registerUser(app)
  const t1 = await login(app)
  const t2 = (await app.inject(refreshBody(t1.refresh_token))).json() as Tokens
  clock.advance(2)
  const t3 = (await app.inject(refreshBody(t2.refresh_token))).json() as Tokens
  clock.advance(2)
  const late = (await app.inject(refreshBody(t1.refresh_token))).json() as Tokens
  assert.equal(late.refresh_token, t3.refresh_token, 'a tab that slept through two rotations catches up')
})

test('the grace does not outlive itself: a replay after it ends the session, the successor included', async (t) => {
  const clock = testClock()
  const { app } = await buildTestApp(t, { REFRESH_REUSE_GRACE: '5s' }, { clock })
  await registerUser(app)
  const first = await login(app)
  const a = (await app.inject(refreshBody(first.refresh_token))).json() as Tokens
  clock.advance(4)
  assert.equal((await app.inject(refreshBody(first.refresh_token))).statusCode, 200)
  clock.advance(1)
  const reuse = await app.inject(refreshBody(first.refresh_token))
  assert.deepEqual([reuse.statusCode, reuse.json().error], [400, 'invalid_grant'])
  assert.equal((await app.inject(refreshBody(a.refresh_token))).statusCode, 400)
  assert.equal((await me(app, a.access_token)).statusCode, 401)
})

test('N parallel refreshes of one token over a real socket leave exactly one working refresh token', async (t) => {
  const { app } = await buildTestApp(t)
  await registerUser(app)
  const first = await login(app)
  const base = await app.listen({ host: '127.0.0.1', port: 0 })
  const refresh = (token: string) =>
    fetch(`${base}/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token }) })
  const answers = await Promise.all(Array.from({ length: 12 }, () => refresh(first.refresh_token)))
  assert.deepEqual(
    answers.map((r) => r.status),
    Array(12).fill(200),
  )
  const bodies = (await Promise.all(answers.map((r) => r.json()))) as Tokens[]
  const successors = new Set(bodies.map((b) => b.refresh_token))
  assert.equal(successors.size, 1, 'one successor for all of them')
  const [only] = [...successors]
  assert.equal((await refresh(only!)).status, 200, 'and it works')
})

test('without a grace (0s) a replay is reuse at once', async (t) => {
  const { app } = await buildTestApp(t, { REFRESH_REUSE_GRACE: '0s' })
  await registerUser(app)
  const first = await login(app)
  await app.inject(refreshBody(first.refresh_token))
  assert.equal((await app.inject(refreshBody(first.refresh_token))).statusCode, 400)
})

// @see issue 5: with SESSION_IDLE_TTL=2s and ACCESS_TOKEN_TTL=4s a token still passed at 3 s. The config now refuses
// that, but a token minted by a grace replay can still outlive its session's idle end by up to the grace: the guard checks it.
test("an access token fails at the guard once its session's idle lifetime is over, like any ended session", async (t) => {
  const clock = testClock()
  const { app } = await buildTestApp(t, { SESSION_IDLE_TTL: '60s', ACCESS_TOKEN_TTL: '60s' }, { clock })
  await registerUser(app)
  const first = await login(app)
  await app.inject(refreshBody(first.refresh_token)) // idle end: now + 60 s
  clock.advance(9)
  const replayed = (await app.inject(refreshBody(first.refresh_token))).json() as Tokens // exp: now + 69 s
  clock.advance(52) // 61 s after the refresh: idle-expired, but the token's exp is 8 s away
  const res = await me(app, replayed.access_token)
  assert.equal(res.statusCode, 401)
  assert.deepEqual(res.json(), { detail: 'Could not validate credentials' })
})
