import { createHash } from 'node:crypto'
import { normalizeUsername, usernameKey } from '../accounts/username.js'
import type { Deps } from '../deps.js'
import { tooManyRequests } from '../errors.js'
import type { ClientMeta } from '../events/events.js'
import { addressKey } from '../lib/client-address.js'
import type { BackoffRule } from '../rate-limit/limiter.js'

type ThrottleDeps = Pick<Deps, 'limiter' | 'clock' | 'config' | 'events'>

/**
 * NIST SP 800-63B §5.2.2: failed attempts are limited per account, whatever address they come
 * from, and back off exponentially (capped by LOGIN_BACKOFF_MAX, so an attacker cannot lock the
 * owner out for long). A tighter rule per account and address slows one guesser first.
 */
export function loginRules(maxSeconds: number): { account: BackoffRule; accountAddress: BackoffRule; reauth: BackoffRule } {
  const day = 86_400
  return {
    account: { name: 'login-account', freeFailures: 5, baseSeconds: 2, maxSeconds, forgetSeconds: day },
    accountAddress: { name: 'login-account-address', freeFailures: 3, baseSeconds: 1, maxSeconds, forgetSeconds: day },
    reauth: { name: 'reauth-user', freeFailures: 5, baseSeconds: 2, maxSeconds, forgetSeconds: day },
  }
}

/**
 * The account a login attempt counts against: the normalised username, whether or not such an
 * account exists (so an unknown name is throttled exactly like a known one), and so that case and
 * width variants (`ALICE`, `ａｌｉｃｅ`) share one budget.
 */
export function accountKey(username: string): string {
  const name = normalizeUsername(username)
  // A name that cannot be an account's still gets one stable, bounded key: NFKC can make a
  // 256-character input 4,608 long, and limiter tables must not hold attacker-sized keys.
  return name ? usernameKey(name) : `#${createHash('sha256').update(username.normalize('NFKC').trim().toLowerCase()).digest('base64url')}`
}

/**
 * Before any password is checked: 429 with Retry-After while the account, or the account from
 * this address, is backing off, even for the right password.
 */
export async function assertLoginAllowed(deps: ThrottleDeps, account: string, meta: ClientMeta): Promise<void> {
  const rules = loginRules(deps.config.loginBackoffMaxSeconds)
  const now = deps.clock()
  for (const [key, rule] of keysFor(account, meta, rules)) {
    const r = await deps.limiter.check(key, rule, now)
    if (!r.allowed) throw tooManyRequests(r.retryAfterSeconds)
  }
}

/** A held slot frees itself after this long if its holder died (longer than any password check). */
const CHECK_SLOT_SECONDS = 40

/**
 * Runs `fn` (the password check) as the account's only one in flight, across every instance that
 * shares the limiter (Redis); a concurrent attempt for the same account gets 429 at once. Without
 * it, N guesses sent together would all pass the back-off check before any of them was counted.
 */
export async function oneCheckAtATime<T>(deps: Pick<Deps, 'config' | 'limiter'>, account: string, fn: () => Promise<T>): Promise<T> {
  // RATE_LIMIT=off (benchmarks, tests) lifts it with the other limits.
  if (!deps.config.rateLimit) return fn()
  const slot = `check:${account}`
  const holder = await deps.limiter.reserve(slot, CHECK_SLOT_SECONDS)
  if (holder === null) throw tooManyRequests(1)
  try {
    return await fn()
  } finally {
    await deps.limiter.release(slot, holder).catch(() => {})
  }
}

/** Counts a failed login; records `login.locked` when it starts a back-off. */
export async function loginFailed(deps: ThrottleDeps, account: string, subjectId: string | null, meta: ClientMeta): Promise<void> {
  const rules = loginRules(deps.config.loginBackoffMaxSeconds)
  const now = deps.clock()
  let lockedFor = 0
  for (const [key, rule] of keysFor(account, meta, rules)) {
    const r = await deps.limiter.fail(key, rule, now)
    if (!r.allowed) lockedFor = Math.max(lockedFor, r.retryAfterSeconds)
  }
  if (lockedFor > 0) await deps.events.record({ type: 'login.locked', subjectId, meta, details: { seconds: lockedFor } })
}

/** The right password: the account's failures are forgotten. */
export async function loginSucceeded(deps: ThrottleDeps, account: string, meta: ClientMeta): Promise<void> {
  const rules = loginRules(deps.config.loginBackoffMaxSeconds)
  for (const [key, rule] of keysFor(account, meta, rules)) await deps.limiter.reset(key, rule)
}

function keysFor(account: string, meta: ClientMeta, rules: ReturnType<typeof loginRules>): [string, BackoffRule][] {
  const keys: [string, BackoffRule][] = [[account, rules.account]]
  if (meta.ip) keys.push([`${account}|${addressKey(meta.ip)}`, rules.accountAddress])
  return keys
}
