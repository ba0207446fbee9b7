import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { Redis } from 'ioredis'
import { createFallbackLimiter } from '../../src/rate-limit/fallback-limiter.js'
import { createMemoryLimiter } from '../../src/rate-limit/memory-limiter.js'
import { createRedisLimiter } from '../../src/rate-limit/redis-limiter.js'
import { TEST_REDIS_URL } from '../helpers/postgres.js'
import { limiterContract } from './limiter-contract.js'

// The machine's Redis (CI's too): never skipped. Each limiter gets its own key prefix.
limiterContract('redis', async () => {
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 })
  const limiter = createRedisLimiter(redis, `gh-test-${randomBytes(4).toString('hex')}:`)
  return { ...limiter, close: async () => void redis.disconnect() }
})

test('redis: two instances on one Redis share one budget', async (t) => {
  const prefix = `gh-test-${randomBytes(4).toString('hex')}:`
  const a = new Redis(TEST_REDIS_URL)
  const b = new Redis(TEST_REDIS_URL)
  t.after(() => {
    a.disconnect()
    b.disconnect()
  })
  const la = createRedisLimiter(a, prefix)
  const lb = createRedisLimiter(b, prefix)
  const rule = { name: 'shared', limit: 4, windowSeconds: 60 }
  const now = new Date()
  const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? la : lb).consume('1.2.3.4', rule, now)))
  assert.equal(results.filter((r) => r.allowed).length, 4)
})

test('fallback: while the shared limiter fails, this instance limits alone (never open), the failure is reported, and it is not asked again at once', async () => {
  const failures: unknown[] = []
  const broken = createMemoryLimiter()
  let calls = 0
  const failing = {
    ...broken,
    consume: async () => {
      calls++
      throw new Error('redis down')
    },
  }
  const l = createFallbackLimiter(
    failing,
    createMemoryLimiter(),
    () => true,
    (err) => failures.push(err),
  )
  const rule = { name: 'fb', limit: 2, windowSeconds: 60 }
  const now = new Date()
  const results = [await l.consume('k', rule, now), await l.consume('k', rule, now), await l.consume('k', rule, now)]
  assert.deepEqual(
    results.map((r) => r.allowed),
    [true, true, false],
  )
  assert.equal(failures.length, 1, 'one failure opens the breaker')
  assert.equal(calls, 1, 'a failing Redis costs one timeout, not one per call')
})
