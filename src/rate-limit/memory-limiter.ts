import { randomUUID } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import { type BackoffRule, backoffSeconds, type ConsumeResult, type RateLimiter, type RateRule } from './limiter.js'

type Window = { count: number; resetAt: number }
type Failures = { failures: number; blockedUntil: number; forgetAt: number }

const retryAfter = (until: number, t: number) => Math.max(1, Math.ceil((until - t) / 1000))

/**
 * Per-process limiter on bounded LRU tables, one per rule (`maxKeysPerRule` each). When a table is
 * full the least recently used key is evicted: at worst a flood of fresh keys makes the limiter
 * forget an idle key, never refuse everyone (a table that refused new keys when full locked every
 * new client out). Times come from the caller's `now`, so tests can move the clock.
 */
export function createMemoryLimiter(maxKeysPerRule = 100_000): RateLimiter {
  const tables = new Map<string, LRUCache<string, Window | Failures>>()
  // Held slots (reserve/release): few at a time, each for the length of one password check.
  const slots = new LRUCache<string, { holder: string; until: number }>({ max: maxKeysPerRule })
  const table = <T extends Window | Failures>(rule: { name: string }) => {
    let t = tables.get(rule.name)
    if (!t) {
      t = new LRUCache<string, Window | Failures>({ max: maxKeysPerRule })
      tables.set(rule.name, t)
    }
    return t as unknown as LRUCache<string, T>
  }
  const failuresOf = (key: string, rule: BackoffRule, t: number): Failures | undefined => {
    const f = table<Failures>(rule).get(key)
    if (f && f.forgetAt <= t) {
      table<Failures>(rule).delete(key)
      return undefined
    }
    return f
  }
  return {
    async consume(key: string, rule: RateRule, now: Date): Promise<ConsumeResult> {
      const t = now.getTime()
      const windows = table<Window>(rule)
      let w = windows.get(key)
      if (!w || w.resetAt <= t) {
        w = { count: 0, resetAt: t + rule.windowSeconds * 1000 }
        windows.set(key, w)
      }
      w.count++
      return w.count <= rule.limit ? { allowed: true } : { allowed: false, retryAfterSeconds: retryAfter(w.resetAt, t) }
    },

    async check(key, rule, now) {
      const t = now.getTime()
      const f = failuresOf(key, rule, t)
      return f && f.blockedUntil > t ? { allowed: false, retryAfterSeconds: retryAfter(f.blockedUntil, t) } : { allowed: true }
    },

    async fail(key, rule, now) {
      const t = now.getTime()
      const f = failuresOf(key, rule, t) ?? { failures: 0, blockedUntil: 0, forgetAt: 0 }
      f.failures++
      f.forgetAt = t + rule.forgetSeconds * 1000
      const seconds = backoffSeconds(rule, f.failures)
      if (seconds > 0) f.blockedUntil = Math.max(f.blockedUntil, t + seconds * 1000)
      table<Failures>(rule).set(key, f)
      return f.blockedUntil > t ? { allowed: false, retryAfterSeconds: retryAfter(f.blockedUntil, t) } : { allowed: true }
    },

    async reset(key, rule) {
      table<Failures>(rule).delete(key)
    },

    async reserve(key, ttlSeconds) {
      const t = Date.now()
      const held = slots.get(key)
      if (held !== undefined && held.until > t) return null
      const holder = randomUUID()
      slots.set(key, { holder, until: t + ttlSeconds * 1000 })
      return holder
    },

    async release(key, holder) {
      if (slots.get(key)?.holder === holder) slots.delete(key)
    },

    async close() {
      tables.clear()
    },
  }
}

/** A limiter that allows everything: RATE_LIMIT=off (benchmarks and tests only). */
export const noLimiter: RateLimiter = {
  consume: async () => ({ allowed: true }),
  check: async () => ({ allowed: true }),
  fail: async () => ({ allowed: true }),
  reset: async () => {},
  reserve: async () => 'unlimited',
  release: async () => {},
  close: async () => {},
}
