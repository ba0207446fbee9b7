import type { RateLimiter } from './limiter.js'

/**
 * The shared limiter while it answers; this instance's own memory limiter while it does not
 * (Redis down or stalled). Limits never switch off: during an outage each instance enforces them
 * alone, which is weaker across instances but never open. State does not move between the two:
 * an outage starts the fallback's counts at zero, and Redis's counts resume when it returns.
 */
export function createFallbackLimiter(shared: RateLimiter, local: RateLimiter, available: () => boolean, onFallback: (err: unknown) => void): RateLimiter {
  const pick = <T>(op: (l: RateLimiter) => Promise<T>): Promise<T> => {
    if (!available()) return op(local)
    return op(shared).catch((err: unknown) => {
      onFallback(err)
      return op(local)
    })
  }
  return {
    consume: (key, rule, now) => pick((l) => l.consume(key, rule, now)),
    check: (key, rule, now) => pick((l) => l.check(key, rule, now)),
    fail: (key, rule, now) => pick((l) => l.fail(key, rule, now)),
    reset: (key, rule) => pick((l) => l.reset(key, rule)),
    reserve: (key, ttl) => pick((l) => l.reserve(key, ttl)),
    // Released in both: the slot may have been taken in either, and releasing a free one is harmless.
    release: async (key) => {
      await Promise.allSettled([shared.release(key), local.release(key)])
    },
    close: async () => {
      await Promise.allSettled([shared.close(), local.close()])
    },
  }
}
