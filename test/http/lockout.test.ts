// NIST SP 800-63B §5.2.2: failed logins are limited per account, from any address, and the
// limit says nothing about whether the account exists.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { accountKey } from '../../src/authn/throttle.js'
import { buildTestApp, testClock } from '../helpers/build-app.js'
import { adminLogin, auditTypes, FORM, form, PASSWORD, registerUser } from '../helpers/fixtures.js'

const attempt = (app: Awaited<ReturnType<typeof buildTestApp>>['app'], username: string, password: string, address: string) =>
  app.inject({ method: 'POST', url: '/token', headers: FORM, remoteAddress: address, payload: form({ username, password }) })

const shape = (r: LightMyRequestResponse) => ({ status: r.statusCode, body: r.json(), cache: r.headers['cache-control'] })

test('control: failures below the threshold never block the right password', async (t) => {
  const { app } = await buildTestApp(t, { RATE_LIMIT: 'on' })
  await registerUser(app)
  for (let i = 0; i < 3; i++) assert.equal((await attempt(app, 'alice', 'wrong guess here', `198.51.100.${i}`)).statusCode, 401)
  assert.equal((await attempt(app, 'alice', PASSWORD, '198.51.100.9')).statusCode, 200)
})

test('failures from many addresses and spellings lock the account: 429 with Retry-After even for the right password; it ends and a success resets', async (t) => {
  const clock = testClock()
  const { app, deps } = await buildTestApp(t, { RATE_LIMIT: 'on' }, { clock })
  await registerUser(app)
  const spellings = ['alice', 'ALICE', 'Alice', 'ａｌｉｃｅ', ' alice ', 'aLiCe']
  for (const [i, name] of spellings.entries()) {
    assert.equal((await attempt(app, name, 'wrong guess here', `203.0.113.${i}`)).statusCode, 401, name)
  }
  const locked = await attempt(app, 'alice', PASSWORD, '192.0.2.77')
  assert.equal(locked.statusCode, 429)
  assert.deepEqual(locked.json(), { detail: 'Too many requests' })
  assert.equal(locked.headers['cache-control'], 'no-store')
  const retry = Number(locked.headers['retry-after'])
  assert.ok(retry >= 1 && retry <= 900, String(retry))
  clock.advance(retry)
  assert.equal((await attempt(app, 'alice', PASSWORD, '192.0.2.77')).statusCode, 200, 'after the back-off, the right password works')
  assert.equal((await attempt(app, 'alice', 'wrong guess here', '192.0.2.78')).statusCode, 401, 'and the success reset the count')
  const admin = await adminLogin(app, deps)
  const types = await auditTypes(app, admin.access_token, '&type=login.locked')
  assert.ok(types.length >= 1)
})

test('the back-off doubles and is capped by LOGIN_BACKOFF_MAX', async (t) => {
  const clock = testClock()
  const { app } = await buildTestApp(t, { RATE_LIMIT: 'on', LOGIN_BACKOFF_MAX: '60s' }, { clock })
  await registerUser(app)
  const waits: number[] = []
  for (let i = 0; i < 12; i++) {
    const r = await attempt(app, 'alice', 'wrong guess here', `203.0.113.${i}`)
    if (r.statusCode === 429) {
      waits.push(Number(r.headers['retry-after']))
      clock.advance(Number(r.headers['retry-after']))
      await attempt(app, 'alice', 'wrong guess here', `203.0.113.${i}`)
    }
  }
  assert.ok(waits.length >= 3, JSON.stringify(waits))
  for (let i = 1; i < waits.length; i++) assert.ok(waits[i]! >= waits[i - 1]!, JSON.stringify(waits))
  assert.ok(Math.max(...waits) <= 60, 'never beyond the cap')
  assert.equal(waits.at(-1), 60, 'reaches the cap')
})

test('an unknown username is treated exactly like a known one, attempt for attempt', async (t) => {
  const { app } = await buildTestApp(t, { RATE_LIMIT: 'on' })
  await registerUser(app)
  const known: unknown[] = []
  const unknown: unknown[] = []
  for (let i = 0; i < 9; i++) {
    known.push(shape(await attempt(app, 'alice', 'wrong guess here', `203.0.113.${i}`)))
    unknown.push(shape(await attempt(app, 'nobody-here', 'wrong guess here', `198.51.100.${i}`)))
  }
  assert.deepEqual(unknown, known)
  assert.equal((known.at(-1) as { status: number }).status, 429)
})

// @see issue 6 review: 30 concurrent wrong passwords all passed the back-off check before any was counted.
test('guesses sent together cannot outrun the back-off: one password check per account at a time', async (t) => {
  const { app } = await buildTestApp(t, { RATE_LIMIT: 'on' })
  await registerUser(app)
  const results = await Promise.all(Array.from({ length: 30 }, (_, i) => attempt(app, i % 2 ? 'alice' : 'ALICE', 'wrong guess here', `203.0.113.${i}`)))
  const checked = results.filter((r) => r.statusCode === 401).length
  assert.ok(checked <= 6, `${checked} of 30 concurrent guesses had their password checked`)
  assert.ok(results.filter((r) => r.statusCode === 429).every((r) => Number(r.headers['retry-after']) >= 1))
  assert.equal((await attempt(app, 'alice', PASSWORD, '192.0.2.1')).statusCode, 200, 'control: the owner, one at a time, gets in')
})

test('account keys stay bounded whatever the name: NFKC-expanding input cannot grow the limiter tables', () => {
  const huge = '\uFDFA'.repeat(256) // NFKC makes each of these 18 characters
  assert.ok(accountKey(huge).length <= 64)
  assert.equal(accountKey('ＡＬＩＣＥ'), 'alice')
  assert.equal(accountKey(' alice '), 'alice')
  assert.notEqual(accountKey('no such name!'), accountKey('another bad name!'))
})
