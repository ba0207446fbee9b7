/** A fixed-window rule: at most `limit` hits per `windowSeconds`. */
export interface RateRule {
  name: string
  limit: number
  windowSeconds: number
}

/**
 * An exponential back-off rule for failures (wrong passwords, wrong codes): the first
 * `freeFailures` cost nothing; each one after blocks the key for `baseSeconds` doubled per further
 * failure, at most `maxSeconds`. A key's failures are forgotten `forgetSeconds` after its last one.
 */
export interface BackoffRule {
  name: string
  freeFailures: number
  baseSeconds: number
  maxSeconds: number
  forgetSeconds: number
}

export type ConsumeResult = { allowed: true } | { allowed: false; retryAfterSeconds: number }

/**
 * Limits by key under named rules. Every operation is atomic per key: concurrent calls never both
 * take the last slot, and concurrent failures are all counted. Each rule keeps its own table, so
 * flooding one rule with new keys cannot evict another rule's state. Back ends: memory (per
 * process) and Redis (shared by every instance), one contract suite.
 */
export interface RateLimiter {
  /** Counts one hit of `key` under a fixed-window `rule`. */
  consume(key: string, rule: RateRule, now: Date): Promise<ConsumeResult>
  /** Whether `key` is in back-off at `now` (counts nothing). */
  check(key: string, rule: BackoffRule, now: Date): Promise<ConsumeResult>
  /** Counts a failure of `key`; resolves to the back-off that now applies (allowed when none). */
  fail(key: string, rule: BackoffRule, now: Date): Promise<ConsumeResult>
  /** A success: forgets `key`'s failures under `rule`. */
  reset(key: string, rule: BackoffRule): Promise<void>
  /**
   * Takes the one slot named `key` (e.g. "a password check of this account is running"), atomically
   * across everyone sharing this limiter. @returns a holder token, or null when the slot is taken.
   * The slot frees itself after `ttlSeconds` if its holder never releases it (a crash).
   */
  reserve(key: string, ttlSeconds: number): Promise<string | null>
  /** Frees the slot only if `holder` still holds it (never someone else's). */
  release(key: string, holder: string): Promise<void>
  close(): Promise<void>
}

/** The back-off after `failures` consecutive failures, in seconds (0: none). */
export function backoffSeconds(rule: BackoffRule, failures: number): number {
  const over = failures - rule.freeFailures
  if (over <= 0) return 0
  return Math.min(rule.maxSeconds, rule.baseSeconds * 2 ** Math.min(over - 1, 30))
}
