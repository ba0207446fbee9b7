// One suite for every RateLimiter back end (memory now; Redis with scale-out).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { RateLimiter } from '../../src/rate-limit/limiter.js'

const T0 = new Date('2026-11-28T12:00:00Z').getTime()
const at = (seconds: number) => new Date(T0 + seconds * 1000)

export function limiterContract(name: string, open: () => Promise<RateLimiter>): void {
  const rule = { name: `t-${Math.random().toString(36).slice(2)}`, limit: 3, windowSeconds: 60 }

  test(`${name}: allows up to the limit, then refuses with Retry-After until the window ends`, async () => {
    const l = await open()
    try {
      for (let i = 0; i < 3; i++) assert.deepEqual(await l.consume('1.2.3.4', rule, at(i)), { allowed: true })
      assert.deepEqual(await l.consume('1.2.3.4', rule, at(10)), { allowed: false, retryAfterSeconds: 50 })
      assert.deepEqual(await l.consume('5.6.7.8', rule, at(10)), { allowed: true }, 'keys are independent')
      assert.deepEqual(await l.consume('1.2.3.4', { ...rule, name: `${rule.name}-other` }, at(10)), { allowed: true }, 'rules are independent')
      assert.deepEqual(await l.consume('1.2.3.4', rule, at(60)), { allowed: true }, 'a new window')
    } finally {
      await l.close()
    }
  })

  test(`${name}: concurrent consumers never both take the last slot`, async () => {
    const l = await open()
    try {
      const results = await Promise.all(Array.from({ length: 20 }, () => l.consume('9.9.9.9', rule, at(0))))
      assert.equal(results.filter((r) => r.allowed).length, 3)
    } finally {
      await l.close()
    }
  })
}
