import type { Deps } from '../deps/types.js'
import { invalidField, invalidMailToken } from '../errors.js'
import { type ClientMeta, recordWith } from '../events/events.js'
import { randomToken } from '../lib/ids.js'
import { endAllSessions } from '../sessions/end.js'
import type { RateRule } from '../rate-limit/limiter.js'
import { hashMailToken, looksLikeMailToken, queueTokenMail, spendMailBudget } from './email.js'
import { assertPasswordAcceptable } from './password-policy.js'
import { emailFromInput } from './username.js'

type ResetDeps = Pick<Deps, 'store' | 'clock' | 'config' | 'mail' | 'events' | 'hasher' | 'commonPasswords' | 'limiter'>

/**
 * Reset requests for one address coalesce: after a reset link goes out, requests for that address
 * within this window send nothing (the link already sent is live and keeps working: new links do
 * not replace it). So someone asking again and again for a victim's address neither kills the
 * link in the victim's mailbox nor spends the address's mail budget faster than one per window.
 */
export const RESET_COALESCE: RateRule = { name: 'reset-coalesce', limit: 1, windowSeconds: 300 }

/**
 * POST /password/forgot: 202 whatever the address. The request only stores "a reset was asked
 * for this address" (one durable insert, the same for every address) and returns; the outbox
 * sender then looks the address up and, for an account, queues the message with its token. So
 * neither the answer nor its time depends on whether an account has the address, and nothing
 * waits on SMTP.
 */
export async function forgotPassword(deps: ResetDeps, rawEmail: string, meta: ClientMeta): Promise<void> {
  const { email } = emailFromInput(rawEmail)
  if (email === null) throw invalidField(['body', 'email'], 'Field required', 'missing')
  const data = JSON.stringify({ email, ip: meta.ip, userAgent: meta.userAgent })
  await deps.store.enqueueJob({ id: crypto.randomUUID(), kind: RESET_REQUEST, payload: data, createdAt: deps.clock() })
  deps.mail.kick()
}

export const RESET_REQUEST = 'reset_request'

/**
 * The sender's half of a reset request: an enabled account with this address gets a reset
 * message, unless one went out within RESET_COALESCE or the address's mail budget is spent (its
 * earlier links stay live: a new one never replaces them, the reset spends them all); anything
 * else gets an empty outbox row instead. Every address costs the same limiter calls, one
 * transaction and one audit event, so even this background work (which a request right after
 * could feel) costs the same either way.
 */
export async function processResetRequest(deps: ResetDeps, data: string | null): Promise<void> {
  const req = JSON.parse(data ?? '{}') as { email?: string; ip?: string | null; userAgent?: string | null }
  const meta = { ip: req.ip ?? null, userAgent: req.userAgent ?? null }
  const { email, emailKey } = emailFromInput(req.email ?? null)
  if (email === null || emailKey === null) return
  const found = await deps.store.findUserByEmailKey(emailKey)
  const to = found && !found.disabled ? found.email : null
  const subjectId = to !== null ? (found?.id ?? null) : null
  let send = (await deps.limiter.consume(emailKey, RESET_COALESCE, deps.clock())).allowed
  if (!send) await deps.events.record({ type: 'mail.suppressed', subjectId, meta, details: { purpose: 'password_reset', reason: 'coalesced' } })
  else send = await spendMailBudget(deps, email, { purpose: 'password_reset', userId: subjectId, meta })
  if (!found || to === null || !send) {
    // The same work as for an account: render a message, store one row in one transaction.
    const message = deps.mail.render('reset-password', { username: '', email: '', link: deps.mail.link('reset-password', randomToken(32)), expires: '' })
    await deps.store.enqueueMail({ id: crypto.randomUUID(), to: null, ...message, createdAt: deps.clock() })
    await deps.events.record({ type: 'password.reset_requested', subjectId, meta, details: { account: subjectId !== null, sent: false } })
    return
  }
  await queueTokenMail(deps, { user: found, to, purpose: 'password_reset', data: null, ttlSeconds: deps.config.passwordResetTtlSeconds, replace: false })
  await deps.events.record({ type: 'password.reset_requested', subjectId: found.id, meta, details: { account: true, sent: true } })
}

/**
 * POST /password/reset: the token proves control of the account's email. The new password is
 * checked (policy, 422) before anything changes; then the token is spent (once, atomically), the
 * hash replaced and every session ended. @throws 400 for an unknown, used or expired token.
 */
export async function resetPassword(deps: ResetDeps, input: { token: string; new_password: string }, meta: ClientMeta): Promise<void> {
  const tokenHash = hashMailToken(input.token)
  const found = looksLikeMailToken(input.token) ? await deps.store.findOneTimeToken(tokenHash, 'password_reset', deps.clock()) : null
  if (!found) throw invalidMailToken()
  const user = await deps.store.findUserById(found.userId)
  if (!user || user.disabled) throw invalidMailToken()
  assertPasswordAcceptable(deps, 'new_password', input.new_password, user)
  const newHash = await deps.hasher.hash(input.new_password, meta.signal)
  const spent = await deps.store.consumeOneTimeToken(tokenHash, 'password_reset', deps.clock())
  if (!spent) throw invalidMailToken() // spent by a concurrent reset meanwhile
  const event = { type: 'password.reset', actorId: user.id, subjectId: user.id, meta } as const
  await recordWith(deps.events, event, (audit) => deps.store.setPasswordHash(user.id, newHash, deps.clock(), audit), Boolean)
  // The link reached this mailbox: it is verified. And a change of address someone else asked for
  // (with the old password) dies with that password.
  await deps.store.deleteOneTimeTokens(user.id, ['verify_email', 'password_reset'])
  if (!user.emailVerified || user.pendingEmail) await deps.store.updateUser(user.id, { emailVerified: true, pendingEmail: null }, deps.clock())
  await endAllSessions(deps, user.id, { actorId: user.id, meta, reason: 'password_reset' })
}
