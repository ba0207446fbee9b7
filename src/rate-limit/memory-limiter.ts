import type { ConsumeResult, RateLimiter, RateRule } from './limiter.js'

/**
 * Per-process limiter. Windows are swept when they end, so memory stays bounded by the number of
 * keys seen in one window (capped by `maxKeys`: past it, new keys are refused, never unbounded).
 */
export function createMemoryLimiter(maxKeys = 100_000): RateLimiter {
  const windows = new Map<string, { count: number; resetAt: number }>()
  let nextSweep = 0
  return {
    async consume(key: string, rule: RateRule, now: Date): Promise<ConsumeResult> {
      const t = now.getTime()
      if (t >= nextSweep) {
        for (const [k, w] of windows) if (w.resetAt <= t) windows.delete(k)
        nextSweep = t + 1000
      }
      const id = `${rule.name}\0${key}`
      let w = windows.get(id)
      if (!w || w.resetAt <= t) {
        if (!w && windows.size >= maxKeys) return { allowed: false, retryAfterSeconds: 1 }
        w = { count: 0, resetAt: t + rule.windowSeconds * 1000 }
        windows.set(id, w)
      }
      w.count++
      if (w.count <= rule.limit) return { allowed: true }
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((w.resetAt - t) / 1000)) }
    },
    async close() {
      windows.clear()
    },
  }
}

/** A limiter that allows everything: RATE_LIMIT=off (benchmarks and tests only). */
export const noLimiter: RateLimiter = {
  consume: async () => ({ allowed: true }),
  close: async () => {},
}
