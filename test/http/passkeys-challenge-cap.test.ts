// The cap on live sign-in challenges (MAX_LIVE_SIGN_IN_CHALLENGES; a small one here) is no switch
// that turns passkey sign-in off: at the cap the oldest challenges are evicted, nobody is refused.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildTestApp, testClock } from '../helpers/build-app.js'
import { login, registerUser } from '../helpers/fixtures.js'
import { addPasskey, authenticator, PASSKEY_ENV, passkeyGrant } from '../helpers/passkeys.js'

const CAP = 5
const VICTIM = '192.0.2.7'
/** One flooding address per request, so the per-address limit (30 a minute) never stops the flood. */
let next = 0
const flooder = () => `198.51.100.${next++ % 250}`

test('at the cap of live sign-in challenges the oldest are evicted: a flood never refuses anyone options, and costs only challenges older than the cap', async (t) => {
  const clock = testClock()
  const { app } = await buildTestApp(t, { ...PASSKEY_ENV, RATE_LIMIT: 'on' }, { clock, passkeySignInChallengeCap: CAP })
  await registerUser(app)
  const key = authenticator()
  assert.equal((await addPasskey(app, (await login(app)).access_token, key)).statusCode, 201)
  const signIn = async (assertion: unknown) => (await passkeyGrant(app, assertion, VICTIM)).statusCode
  // Each request 10 ms after the last: "oldest" is well defined.
  const options = async (remoteAddress: string) => {
    clock.advance(0.01)
    const res = await app.inject({ method: 'POST', url: '/passkeys/options', payload: {}, remoteAddress })
    assert.equal(res.statusCode, 200, `options from ${remoteAddress}: ${res.body}`)
    return res.json()
  }
  const flood = async (n: number) => {
    for (let i = 0; i < n; i++) await options(flooder())
  }
  assert.equal(await signIn(key.get(await options(VICTIM))), 200, 'control: under the cap')

  // The table full of a flood's challenges; a ceremony starts, and CAP - 1 more come: the flood's
  // older ones go, the ceremony's stays.
  await flood(CAP)
  const early = key.get(await options(VICTIM))
  await flood(CAP - 1)
  assert.equal(await signIn(early), 200, 'older flood challenges were evicted, not the ceremony’s')

  // A flood far past the cap: every request still gets options (before: 503 for everyone), the
  // victim's too, and its sign-in works.
  await flood(CAP * 4)
  assert.equal(await signIn(key.get(await options(VICTIM))), 200, "the victim's options and sign-in during the flood")

  // What cannot be guaranteed: a challenge older than CAP newer ones is gone (one 401, then a retry works).
  const stale = key.get(await options(VICTIM))
  await flood(CAP)
  const evicted = await passkeyGrant(app, stale, VICTIM)
  assert.deepEqual([evicted.statusCode, evicted.json().error], [401, 'invalid_grant'], 'evicted by CAP newer challenges')
  assert.equal(await signIn(key.get(await options(VICTIM))), 200, 'a retry signs in')
})

test('the per-address limit on sign-in options stays: 30 a minute, then 429 for that address only', async (t) => {
  const clock = testClock()
  const { app } = await buildTestApp(t, { ...PASSKEY_ENV, RATE_LIMIT: 'on' }, { clock, passkeySignInChallengeCap: CAP })
  const from = (remoteAddress: string) => app.inject({ method: 'POST', url: '/passkeys/options', payload: {}, remoteAddress })
  for (let i = 0; i < 30; i++) assert.equal((await from('203.0.113.9')).statusCode, 200, `request ${i}`)
  const limited = await from('203.0.113.9')
  assert.equal(limited.statusCode, 429)
  assert.ok(Number(limited.headers['retry-after']) >= 1)
  assert.equal((await from(VICTIM)).statusCode, 200, 'another address is not limited')
  clock.advance(61)
  assert.equal((await from('203.0.113.9')).statusCode, 200, 'a minute later')
})
