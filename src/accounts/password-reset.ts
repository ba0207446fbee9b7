import type { Deps } from '../deps.js'
import type { ClientMeta } from '../events/events.js'
import { randomToken } from '../lib/ids.js'
import { humanDuration } from '../mail/service.js'
import { endAllSessions } from '../sessions/end.js'
import { hashMailToken, invalidMailToken } from './email.js'
import { assertPasswordAcceptable } from './password-policy.js'
import { emailFromInput } from './username.js'

type ResetDeps = Pick<Deps, 'store' | 'clock' | 'config' | 'mail' | 'events' | 'hasher' | 'commonPasswords'>

/**
 * POST /password/forgot: 202 whatever the address. Both branches do one durable write of the
 * same shape (a known address: its token and message; an unknown one: an empty outbox row the
 * sender discards), and neither waits on SMTP, so the time does not tell whether an account has
 * the address. A new request replaces the user's previous reset token (one live at a time).
 */
export async function forgotPassword(deps: ResetDeps, rawEmail: string, meta: ClientMeta): Promise<void> {
  const { emailKey } = emailFromInput(rawEmail)
  const user = emailKey ? await deps.store.findUserByEmailKey(emailKey) : null
  const now = deps.clock()
  const token = randomToken(32)
  const message = deps.mail.render('reset-password', {
    username: user?.username ?? '',
    email: user?.email ?? '',
    link: deps.mail.link('reset-password', token),
    expires: humanDuration(deps.config.passwordResetTtlSeconds),
  })
  if (!user || user.disabled || !user.email) {
    await deps.store.enqueueMail({ id: crypto.randomUUID(), to: null, ...message, createdAt: now })
    return
  }
  await deps.store.createOneTimeToken(
    {
      tokenHash: hashMailToken(token),
      userId: user.id,
      purpose: 'password_reset',
      data: null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + deps.config.passwordResetTtlSeconds * 1000),
    },
    true,
    { id: crypto.randomUUID(), to: user.email, ...message, createdAt: now },
  )
  deps.mail.kick()
  await deps.events.record({ type: 'password.reset_requested', subjectId: user.id, meta })
}

/**
 * POST /password/reset: the token proves control of the account's email. The new password is
 * checked (policy, 422) before anything changes; then the token is spent (once, atomically), the
 * hash replaced and every session ended. @throws 400 for an unknown, used or expired token.
 */
export async function resetPassword(deps: ResetDeps, input: { token: string; new_password: string }, meta: ClientMeta): Promise<void> {
  const tokenHash = hashMailToken(input.token)
  const found = /^[A-Za-z0-9_-]{43}$/.test(input.token) ? await deps.store.findOneTimeToken(tokenHash, 'password_reset', deps.clock()) : null
  if (!found) throw invalidMailToken()
  const user = await deps.store.findUserById(found.userId)
  if (!user) throw invalidMailToken()
  assertPasswordAcceptable(deps, 'new_password', input.new_password, user)
  const newHash = await deps.hasher.hash(input.new_password, meta.signal)
  const spent = await deps.store.consumeOneTimeToken(tokenHash, 'password_reset', deps.clock())
  if (!spent) throw invalidMailToken() // spent by a concurrent reset meanwhile
  await deps.store.setPasswordHash(user.id, newHash, deps.clock())
  await deps.events.record({ type: 'password.reset', actorId: user.id, subjectId: user.id, meta })
  await endAllSessions(deps, user.id, { actorId: user.id, meta, reason: 'password_reset' })
}
