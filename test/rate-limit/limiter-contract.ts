// One suite for every RateLimiter back end: memory and Redis.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { BackoffRule, RateLimiter } from '../../src/rate-limit/limiter.js'

const T0 = new Date('2026-11-28T12:00:00Z').getTime()
const at = (seconds: number) => new Date(T0 + seconds * 1000)

export function limiterContract(name: string, open: () => Promise<RateLimiter>): void {
  const uniq = () => Math.random().toString(36).slice(2)
  const withLimiter = (title: string, fn: (l: RateLimiter) => Promise<void>) =>
    test(`${name}: ${title}`, async () => {
      const l = await open()
      try {
        await fn(l)
      } finally {
        await l.close()
      }
    })

  withLimiter('fixed window: allows up to the limit, then refuses with Retry-After until the window ends', async (l) => {
    const rule = { name: `t-${uniq()}`, limit: 3, windowSeconds: 60 }
    for (let i = 0; i < 3; i++) assert.deepEqual(await l.consume('1.2.3.4', rule, at(i)), { allowed: true })
    assert.deepEqual(await l.consume('1.2.3.4', rule, at(10)), { allowed: false, retryAfterSeconds: 50 })
    assert.deepEqual(await l.consume('5.6.7.8', rule, at(10)), { allowed: true }, 'keys are independent')
    assert.deepEqual(await l.consume('1.2.3.4', { ...rule, name: `${rule.name}-other` }, at(10)), { allowed: true }, 'rules are independent')
    assert.deepEqual(await l.consume('1.2.3.4', rule, at(60)), { allowed: true }, 'a new window')
  })

  withLimiter('fixed window: concurrent consumers never both take the last slot', async (l) => {
    const rule = { name: `t-${uniq()}`, limit: 3, windowSeconds: 60 }
    const results = await Promise.all(Array.from({ length: 20 }, () => l.consume('9.9.9.9', rule, at(0))))
    assert.equal(results.filter((r) => r.allowed).length, 3)
  })

  withLimiter('back-off: free failures, then doubling blocks up to the cap; a success forgets; old failures are forgotten', async (l) => {
    const rule: BackoffRule = { name: `b-${uniq()}`, freeFailures: 2, baseSeconds: 2, maxSeconds: 10, forgetSeconds: 3600 }
    assert.deepEqual(await l.check('alice', rule, at(0)), { allowed: true })
    assert.deepEqual(await l.fail('alice', rule, at(0)), { allowed: true })
    assert.deepEqual(await l.fail('alice', rule, at(0)), { allowed: true })
    assert.deepEqual(await l.fail('alice', rule, at(0)), { allowed: false, retryAfterSeconds: 2 }, 'third failure: 2 s')
    assert.deepEqual(await l.check('alice', rule, at(1)), { allowed: false, retryAfterSeconds: 1 })
    assert.deepEqual(await l.check('bob', rule, at(1)), { allowed: true }, 'keys are independent')
    assert.deepEqual(await l.check('alice', rule, at(2)), { allowed: true })
    assert.deepEqual(await l.fail('alice', rule, at(2)), { allowed: false, retryAfterSeconds: 4 }, 'doubled')
    assert.deepEqual(await l.fail('alice', rule, at(6)), { allowed: false, retryAfterSeconds: 8 })
    assert.deepEqual(await l.fail('alice', rule, at(14)), { allowed: false, retryAfterSeconds: 10 }, 'capped')
    await l.reset('alice', rule)
    assert.deepEqual(await l.check('alice', rule, at(15)), { allowed: true }, 'a success resets')
    assert.deepEqual(await l.fail('alice', rule, at(15)), { allowed: true }, 'counting starts again')
    for (let i = 0; i < 2; i++) await l.fail('carol', rule, at(0))
    assert.deepEqual(await l.fail('carol', rule, at(3600)), { allowed: true }, 'failures an hour old are forgotten')
  })

  withLimiter('slots: one holder at a time, concurrent reservations included; free again once released', async (l) => {
    const key = `slot-${uniq()}`
    const results = await Promise.all(Array.from({ length: 10 }, () => l.reserve(key, 60)))
    const holders = results.filter((h) => h !== null)
    assert.equal(holders.length, 1)
    assert.notEqual(await l.reserve(`${key}-other`, 60), null, 'slots are independent')
    await l.release(key, 'not-the-holder')
    assert.equal(await l.reserve(key, 60), null, 'only the holder frees it')
    await l.release(key, holders[0]!)
    assert.notEqual(await l.reserve(key, 60), null)
  })

  withLimiter('slots: a slot never released frees itself after its time', async (l) => {
    const key = `slot-${uniq()}`
    const first = await l.reserve(key, 1)
    assert.notEqual(first, null)
    assert.equal(await l.reserve(key, 1), null)
    await new Promise((r) => setTimeout(r, 1100))
    const second = await l.reserve(key, 1)
    assert.notEqual(second, null)
    await l.release(key, first!)
    assert.equal(await l.reserve(key, 1), null, "the expired holder's late release does not free the new holder's slot")
  })

  withLimiter('back-off: concurrent failures are all counted', async (l) => {
    const rule: BackoffRule = { name: `b-${uniq()}`, freeFailures: 5, baseSeconds: 60, maxSeconds: 600, forgetSeconds: 3600 }
    await Promise.all(Array.from({ length: 6 }, () => l.fail('dave', rule, at(0))))
    assert.equal((await l.check('dave', rule, at(1))).allowed, false)
  })
}
