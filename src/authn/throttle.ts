import { createHash } from 'node:crypto'
import { normalizeUsername, usernameKey } from '../accounts/username.js'
import type { Deps } from '../deps/types.js'
import { tooManyRequests } from '../errors.js'
import type { ClientMeta } from '../events/events.js'
import { addressKey } from '../lib/client-address.js'
import type { BackoffRule } from '../rate-limit/limiter.js'

/**
 * THE place where every secret check is limited: passwords, TOTP codes and recovery codes, at
 * sign-in and at re-authentication alike. Each attempt spends one budget: per account at sign-in
 * (from any address; NIST SP 800-63B §5.2.2), per user at re-authentication (a stolen access token
 * must not become unlimited guesses). The back-off grows exponentially and is capped by
 * LOGIN_BACKOFF_MAX, so an attacker cannot lock the owner out for long.
 */

type ThrottleDeps = Pick<Deps, 'limiter' | 'clock' | 'config' | 'events'>

export interface Attempt {
  budget: 'login' | 'reauth'
  /** Sign-in: `accountKey(username)`, known account or not. Re-authentication: the user's id. */
  account: string
  meta: ClientMeta
  /** Re-authentication: what it was for (audited with a failure). */
  during?: string
}

export function loginRules(maxSeconds: number): { account: BackoffRule; accountAddress: BackoffRule; reauth: BackoffRule } {
  const day = 86_400
  return {
    account: { name: 'login-account', freeFailures: 5, baseSeconds: 2, maxSeconds, forgetSeconds: day },
    // A tighter rule per account and address slows one guesser first.
    accountAddress: { name: 'login-account-address', freeFailures: 3, baseSeconds: 1, maxSeconds, forgetSeconds: day },
    reauth: { name: 'reauth-user', freeFailures: 5, baseSeconds: 2, maxSeconds, forgetSeconds: day },
  }
}

/**
 * An OpenID Connect client's secret checks (oidc/client-auth.ts), per client as logins are per
 * account, and tighter per client and address. No single-check slot as for passwords: a client's
 * secret has 256 bits, so no number of parallel guesses can find it, and a busy service must be able
 * to authenticate many requests at once.
 */
export function clientRules(maxSeconds: number): { client: BackoffRule; clientAddress: BackoffRule } {
  const day = 86_400
  return {
    client: { name: 'client-auth', freeFailures: 5, baseSeconds: 2, maxSeconds, forgetSeconds: day },
    clientAddress: { name: 'client-auth-address', freeFailures: 3, baseSeconds: 1, maxSeconds, forgetSeconds: day },
  }
}

/**
 * The account a sign-in attempt counts against: the normalised username, whether or not such an
 * account exists (so an unknown name is throttled exactly like a known one), and so that case and
 * width variants (`ALICE`, `ａｌｉｃｅ`) share one budget.
 */
export function accountKey(username: string): string {
  const name = normalizeUsername(username)
  // A name that cannot be an account's still gets one stable, bounded key: NFKC can make a
  // 256-character input 4,608 long, and limiter tables must not hold attacker-sized keys.
  return name ? usernameKey(name) : `#${createHash('sha256').update(username.normalize('NFKC').trim().toLowerCase()).digest('base64url')}`
}

export const signInAttempt = (username: string, meta: ClientMeta): Attempt => ({ budget: 'login', account: accountKey(username), meta })
export const reauthAttempt = (userId: string, meta: ClientMeta, during: string): Attempt => ({ budget: 'reauth', account: userId, meta, during })

function keysFor(deps: ThrottleDeps, a: Attempt): [string, BackoffRule][] {
  const rules = loginRules(deps.config.loginBackoffMaxSeconds)
  if (a.budget === 'reauth') return [[a.account, rules.reauth]]
  const keys: [string, BackoffRule][] = [[a.account, rules.account]]
  if (a.meta.ip) keys.push([`${a.account}|${addressKey(a.meta.ip)}`, rules.accountAddress])
  return keys
}

/** A held slot frees itself after this long if its holder died (longer than any password check). */
const CHECK_SLOT_SECONDS = 40

/**
 * Runs `check` once the back-off allows it (429 with Retry-After otherwise, even for the right
 * secret, known account or not), as the account's only check in flight across every instance that
 * shares the limiter: without the slot, N guesses sent together would all pass the back-off
 * before any of them was counted. `check` reports its outcome with `failed` or `succeeded`.
 */
export async function throttled<T>(deps: ThrottleDeps, a: Attempt, check: () => Promise<T>): Promise<T> {
  // RATE_LIMIT=off (benchmarks, tests) lifts it with the other limits.
  if (!deps.config.rateLimit) return check()
  const slot = a.budget === 'reauth' ? `check:reauth ${a.account}` : `check:${a.account}`
  const holder = await deps.limiter.reserve(slot, CHECK_SLOT_SECONDS)
  if (holder === null) throw tooManyRequests(1)
  try {
    const now = deps.clock()
    for (const [key, rule] of keysFor(deps, a)) {
      const r = await deps.limiter.check(key, rule, now)
      if (!r.allowed) throw tooManyRequests(r.retryAfterSeconds)
    }
    return await check()
  } finally {
    await deps.limiter.release(slot, holder).catch(() => {})
  }
}

/** A wrong secret: audited as `login.failed`, counted, and `login.locked` when it starts a back-off. */
export async function failed(deps: ThrottleDeps, a: Attempt, subjectId: string | null, details: Record<string, unknown>): Promise<void> {
  const actorId = a.budget === 'reauth' ? subjectId : null
  const during = a.during ? { during: a.during } : {}
  await deps.events.record({ type: 'login.failed', actorId, subjectId, meta: a.meta, details: { ...details, ...during } })
  const now = deps.clock()
  let lockedFor = 0
  for (const [key, rule] of keysFor(deps, a)) {
    const r = await deps.limiter.fail(key, rule, now)
    if (!r.allowed) lockedFor = Math.max(lockedFor, r.retryAfterSeconds)
  }
  if (lockedFor > 0) await deps.events.record({ type: 'login.locked', actorId, subjectId, meta: a.meta, details: { seconds: lockedFor, ...during } })
}

/**
 * Every factor asked for was right: the failures are forgotten. Never after the password alone when
 * a second factor is still due, or guessing codes and re-entering the password would alternate
 * forever under the free failures.
 */
export async function succeeded(deps: ThrottleDeps, a: Attempt): Promise<void> {
  for (const [key, rule] of keysFor(deps, a)) await deps.limiter.reset(key, rule)
}

/** An admin lifts a user's back-off (POST /admin/users/{id}/unlock): sign-in and re-authentication budgets. */
export async function unlock(deps: ThrottleDeps, user: { id: string; username: string }): Promise<void> {
  const rules = loginRules(deps.config.loginBackoffMaxSeconds)
  await deps.limiter.reset(accountKey(user.username), rules.account)
  await deps.limiter.reset(user.id, rules.reauth)
  // Per-address budgets of this account are keyed by address too; they expire on their own
  // (at most LOGIN_BACKOFF_MAX) and bind only the guessing address.
}
