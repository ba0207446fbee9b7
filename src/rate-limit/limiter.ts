/** A fixed-window rule: at most `limit` hits per `windowSeconds`. */
export interface RateRule {
  name: string
  limit: number
  windowSeconds: number
}

export type ConsumeResult = { allowed: true } | { allowed: false; retryAfterSeconds: number }

/**
 * Counts one hit of `key` under `rule`, atomically: concurrent calls never both take the last
 * slot. Back ends (memory now; Redis for several instances) must keep that guarantee.
 */
export interface RateLimiter {
  consume(key: string, rule: RateRule, now: Date): Promise<ConsumeResult>
  close(): Promise<void>
}
