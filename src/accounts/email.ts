import { createHash } from 'node:crypto'
import type { Deps } from '../deps/types.js'
import { invalidField, invalidMailToken, notFound, nothingToVerify } from '../errors.js'
import type { ClientMeta } from '../events/events.js'
import { randomToken } from '../lib/ids.js'
import { humanDuration } from '../mail/service.js'
import type { RateRule } from '../rate-limit/limiter.js'
import { StoreConflictError, type User } from '../store/store.js'
import { confirmPassword } from './update.js'
import { emailFromInput, emailKey } from './username.js'

type MailDeps = Pick<Deps, 'store' | 'clock' | 'config' | 'mail' | 'events' | 'limiter'>

/**
 * The one budget of mail to an address, whatever sends it (sign-up, resend, address change and
 * its notice, reset), kept by the limiter under the address: deleting the account that asked
 * does not refill it. Past it, requests answer as usual but no mail goes out until the window ends.
 */
export const MAIL_BUDGET: RateRule = { name: 'mail-target', limit: 5, windowSeconds: 3600 }

/**
 * Spends one message of `address`'s budget. @returns false when it is spent (then send nothing;
 * the suppression is logged and counted, not audited).
 */
export async function spendMailBudget(
  deps: Pick<Deps, 'limiter' | 'clock' | 'events'>,
  address: string,
  why: { purpose: string; userId: string | null; meta: ClientMeta },
): Promise<boolean> {
  const result = await deps.limiter.consume(emailKey(address), MAIL_BUDGET, deps.clock())
  if (result.allowed) return true
  await deps.events.record({ type: 'mail.suppressed', subjectId: why.userId, meta: why.meta, details: { purpose: why.purpose, reason: 'budget' } })
  return false
}

/** Tokens in links: 256 random bits, stored only as their SHA-256. */
export const hashMailToken = (token: string): string => createHash('sha256').update(`gatehouse mail token\0${token}`).digest('base64url')
export const looksLikeMailToken = (token: string) => /^[A-Za-z0-9_-]{43}$/.test(token)

/**
 * A new token for `user` and the message carrying it, stored in one transaction (unless `replace`
 * is false, the user's previous token of that purpose goes: one live at a time), then the sender
 * is nudged.
 */
export async function queueTokenMail(
  deps: Pick<Deps, 'store' | 'clock' | 'mail'>,
  m: { user: User; to: string; purpose: 'verify_email' | 'password_reset'; data: string | null; ttlSeconds: number; replace?: boolean },
): Promise<void> {
  const token = randomToken(32)
  const now = deps.clock()
  const [template, path] = m.purpose === 'verify_email' ? (['verify-email', 'verify-email'] as const) : (['reset-password', 'reset-password'] as const)
  const message = deps.mail.render(template, {
    username: m.user.username,
    email: m.to,
    link: deps.mail.link(path, token),
    expires: humanDuration(m.ttlSeconds),
  })
  const expiresAt = new Date(now.getTime() + m.ttlSeconds * 1000)
  await deps.store.createOneTimeToken(
    { tokenHash: hashMailToken(token), userId: m.user.id, purpose: m.purpose, data: m.data, createdAt: now, expiresAt },
    m.replace ?? true,
    { id: crypto.randomUUID(), to: m.to, ...message, createdAt: now },
  )
  deps.mail.kick()
}

/** Queues a verification message for `address` (the user's email, or the address they asked to change to). */
export async function sendVerification(deps: MailDeps, user: User, address: string, meta: ClientMeta): Promise<void> {
  if (!(await spendMailBudget(deps, address, { purpose: 'verify_email', userId: user.id, meta }))) return
  await queueTokenMail(deps, { user, to: address, purpose: 'verify_email', data: address, ttlSeconds: deps.config.emailVerifyTtlSeconds })
  await deps.events.record({ type: 'email.verification_sent', actorId: user.id, subjectId: user.id, meta })
}

/** POST /email/verify/request: the pending address if there is one, else the unverified email. */
export async function resendVerification(deps: MailDeps, user: User, meta: ClientMeta): Promise<void> {
  const address = user.pendingEmail ?? (user.email && !user.emailVerified ? user.email : null)
  if (!address) throw nothingToVerify()
  await sendVerification(deps, user, address, meta)
}

/**
 * POST /email/verify: spends the token; the address it was sent to becomes the user's verified
 * email (for a change, only now). @throws 400 for an unknown, used or expired token.
 */
export async function verifyEmail(deps: MailDeps, token: string, meta: ClientMeta): Promise<User> {
  if (!looksLikeMailToken(token)) throw invalidMailToken()
  const spent = await deps.store.consumeOneTimeToken(hashMailToken(token), 'verify_email', deps.clock())
  if (!spent?.data) throw invalidMailToken()
  const user = await deps.store.findUserById(spent.userId)
  if (!user || user.disabled) throw invalidMailToken()
  // A pending change is only applied while it is still the one asked for (not cancelled or replaced).
  if (spent.data !== user.email && spent.data !== user.pendingEmail) throw invalidMailToken()
  const address = emailFromInput(spent.data)
  let updated: User | null
  try {
    const patch = user.email === spent.data ? { emailVerified: true } : { email: address, emailVerified: true, pendingEmail: null }
    updated = await deps.store.updateUser(user.id, patch, deps.clock())
  } catch (err) {
    // Someone else took the address meanwhile: the mailbox's owner learns only that this failed.
    if (err instanceof StoreConflictError) throw invalidMailToken()
    throw err
  }
  if (!updated) throw invalidMailToken()
  // Reset links went to the old address: they must not outlive the change.
  if (user.email !== spent.data) await deps.store.deleteOneTimeTokens(user.id, ['password_reset', 'verify_email'])
  await deps.events.record({ type: 'email.verified', actorId: user.id, subjectId: user.id, meta, details: { changed: user.email !== spent.data } })
  return updated
}

/**
 * PATCH /users/me {email, current_password}: the new address is held as pending and gets a
 * verification message; the old one is told. The answer is the same whether or not another
 * account holds the address (that is only found out when the link is used): no enumeration.
 */
export async function requestEmailChange(
  deps: MailDeps & Pick<Deps, 'hasher' | 'limiter' | 'secrets'>,
  user: User,
  input: { email: string | null; current_password: string; otp?: string; recovery_code?: string },
  meta: ClientMeta,
): Promise<User> {
  const wanted = emailFromInput(input.email)
  await confirmPassword(deps, user, { ...input, password: input.current_password }, { meta, purpose: 'email_change' })
  if (wanted.email === null) {
    // Removing the address needs no proof of a mailbox; under EMAIL_VERIFICATION=required an
    // account must keep one (without it, the rule would no longer apply to the account).
    if (deps.config.emailVerification === 'required') throw invalidField(['body', 'email'], 'An email address is required', 'value_error')
    await deps.store.deleteOneTimeTokens(user.id, ['verify_email', 'password_reset'])
    const updated = await deps.store.updateUser(user.id, { email: { email: null, emailKey: null }, emailVerified: false, pendingEmail: null }, deps.clock())
    if (!updated) throw notFound()
    await deps.events.record({ type: 'user.updated', actorId: user.id, subjectId: user.id, meta, details: { fields: ['email'] } })
    return updated
  }
  if (wanted.email === user.email) {
    // Back to the current address: a pending change is cancelled, and its link dies.
    if (user.pendingEmail === null) return user
    await deps.store.deleteOneTimeTokens(user.id, ['verify_email'])
    const cancelled = (await deps.store.updateUser(user.id, { pendingEmail: null }, deps.clock())) ?? user
    await deps.events.record({ type: 'user.updated', actorId: user.id, subjectId: user.id, meta, details: { fields: ['pending_email'] } })
    return cancelled
  }
  const updated = await deps.store.updateUser(user.id, { pendingEmail: wanted.email }, deps.clock())
  if (!updated) throw notFound()
  await sendVerification(deps, updated, wanted.email, meta)
  if (user.email && (await spendMailBudget(deps, user.email, { purpose: 'email_changed', userId: user.id, meta }))) {
    const notice = deps.mail.render('email-changed', { username: user.username, email: user.email, link: '', expires: '' })
    await deps.store.enqueueMail({ id: crypto.randomUUID(), to: user.email, ...notice, createdAt: deps.clock() })
    deps.mail.kick()
  }
  await deps.events.record({ type: 'user.updated', actorId: user.id, subjectId: user.id, meta, details: { fields: ['pending_email'] } })
  return updated
}
