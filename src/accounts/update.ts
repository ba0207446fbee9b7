import type { Deps } from '../deps.js'
import { notFound, tooManyRequests, wrongPassword } from '../errors.js'
import type { ClientMeta } from '../events/events.js'
import { endAllSessions } from '../sessions/end.js'
import { loginRules, oneCheckAtATime } from '../sessions/login-throttle.js'
import type { User } from '../store/store.js'
import { assertPasswordAcceptable } from './password-policy.js'

/**
 * Re-authenticates with the current password (the route limits attempts per user). A wrong one is
 * audited as a failed login: someone holding the access token is guessing.
 * @throws 403 when it is wrong. @returns the stored hash.
 */
export async function confirmPassword(
  deps: Pick<Deps, 'store' | 'hasher' | 'events' | 'limiter' | 'clock' | 'config'>,
  userId: string,
  password: string,
  e: { meta: ClientMeta; purpose: 'password_change' | 'account_deletion' | 'email_change' },
): Promise<string> {
  return oneCheckAtATime(deps, `reauth ${userId}`, () => reauthenticate(deps, userId, password, e))
}

async function reauthenticate(
  deps: Pick<Deps, 'store' | 'hasher' | 'events' | 'limiter' | 'clock' | 'config'>,
  userId: string,
  password: string,
  e: { meta: ClientMeta; purpose: 'password_change' | 'account_deletion' | 'email_change' },
): Promise<string> {
  // Per user, from any address: a stolen access token must not become unlimited password guesses.
  const rule = loginRules(deps.config.loginBackoffMaxSeconds).reauth
  const allowed = await deps.limiter.check(userId, rule, deps.clock())
  if (!allowed.allowed) throw tooManyRequests(allowed.retryAfterSeconds)
  const stored = await deps.store.findPasswordHash(userId)
  if (stored === null) throw notFound()
  const { ok } = await deps.hasher.verify(stored, password, e.meta.signal)
  if (!ok) {
    const failure = { actorId: userId, subjectId: userId, meta: e.meta }
    await deps.events.record({ type: 'login.failed', ...failure, details: { reason: 'wrong_current_password', during: e.purpose } })
    const after = await deps.limiter.fail(userId, rule, deps.clock())
    if (!after.allowed) await deps.events.record({ type: 'login.locked', ...failure, details: { seconds: after.retryAfterSeconds, during: e.purpose } })
    throw wrongPassword()
  }
  await deps.limiter.reset(userId, rule)
  return stored
}

/** Sets a new password and ends every other session of the user (a stolen session dies with the old password). */
export async function changePassword(
  deps: Pick<Deps, 'store' | 'hasher' | 'clock' | 'config' | 'commonPasswords' | 'events' | 'limiter'>,
  user: User,
  currentSessionId: string,
  input: { current_password: string; new_password: string },
  meta: ClientMeta,
): Promise<void> {
  const stored = await confirmPassword(deps, user.id, input.current_password, { meta, purpose: 'password_change' })
  assertPasswordAcceptable(deps, 'new_password', input.new_password, user)
  const newHash = await deps.hasher.hash(input.new_password, meta.signal)
  // Compare-and-swap on the old hash: of two concurrent changes, the second must re-authenticate.
  if (!(await deps.store.updatePasswordHash(user.id, stored, newHash, deps.clock()))) throw wrongPassword()
  // Links sent before (a reset, a change of address) die with the old password.
  await deps.store.deleteOneTimeTokens(user.id, ['password_reset', 'verify_email'])
  if (user.pendingEmail) await deps.store.updateUser(user.id, { pendingEmail: null }, deps.clock())
  await deps.events.record({ type: 'password.changed', actorId: user.id, subjectId: user.id, meta })
  await endAllSessions(deps, user.id, { actorId: user.id, meta, reason: 'password_changed', exceptId: currentSessionId })
}
