import type { RateLimiter } from './limiter.js'

/** After the shared limiter fails once, this instance limits alone for this long before trying it again. */
const BREAKER_MS = 5_000

/**
 * The shared limiter while it answers; this instance's own limiter while it does not (Redis down
 * or stalled). Limits never switch off: during an outage each instance enforces them alone, which
 * is weaker across instances but never open. One failure (or `available()` false) opens a breaker
 * for BREAKER_MS, so a stalled Redis costs one command timeout, not one per call. State does not
 * move between the two: an outage starts the fallback's counts at zero.
 */
export function createFallbackLimiter(shared: RateLimiter, local: RateLimiter, available: () => boolean, onFallback: (err: unknown) => void): RateLimiter {
  let openUntil = 0
  const useShared = () => available() && Date.now() >= openUntil
  const pick = <T>(op: (l: RateLimiter) => Promise<T>): Promise<T> => {
    if (!useShared()) return op(local)
    return op(shared).catch((err: unknown) => {
      openUntil = Date.now() + BREAKER_MS
      onFallback(err)
      return op(local)
    })
  }
  return {
    consume: (key, rule, now) => pick((l) => l.consume(key, rule, now)),
    check: (key, rule, now) => pick((l) => l.check(key, rule, now)),
    fail: (key, rule, now) => pick((l) => l.fail(key, rule, now)),
    reset: (key, rule) => pick((l) => l.reset(key, rule)),
    // A slot is released where it was taken: the holder token says which limiter granted it.
    reserve: async (key, ttl) => {
      if (useShared()) {
        try {
          const holder = await shared.reserve(key, ttl)
          return holder === null ? null : `s:${holder}`
        } catch (err) {
          openUntil = Date.now() + BREAKER_MS
          onFallback(err)
        }
      }
      const holder = await local.reserve(key, ttl)
      return holder === null ? null : `l:${holder}`
    },
    release: async (key, holder) => {
      if (holder.startsWith('s:')) await shared.release(key, holder.slice(2)).catch(() => {})
      else if (holder.startsWith('l:')) await local.release(key, holder.slice(2))
    },
    close: async () => {
      await Promise.allSettled([shared.close(), local.close()])
    },
  }
}
