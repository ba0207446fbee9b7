import { newRecoveryCodes } from '../authn/factors/recovery-code.js'
import { matchTotpStep, newTotpSecret, otpauthUri, qrSvg, totpBinding } from '../authn/factors/totp.js'
import type { AuthnDeps } from '../authn/authenticate.js'
import { confirmPassword, type ReauthInput } from '../accounts/update.js'
import { invalidConfirmationCode, mfaAlreadyEnabled, mfaNotEnabled, mfaNotPending } from '../errors.js'
import type { ClientMeta } from '../events/events.js'
import type { User } from '../store/store.js'

/**
 * TOTP for a signed-in user: enrol (with the password), confirm (with a code, which turns it on
 * and returns recovery codes once), turn off and new recovery codes (with the password and the
 * current factor). Each change and its audit row are one transaction.
 */
type MfaDeps = AuthnDeps

export interface TotpEnrolment {
  secret: string
  otpauth_uri: string
  qr_svg: string
}

export async function startTotpEnrolment(deps: MfaDeps, user: User, input: { password: string }, meta: ClientMeta): Promise<TotpEnrolment> {
  if (user.totpEnabled) throw mfaAlreadyEnabled()
  await confirmPassword(deps, user, input, { meta, purpose: 'mfa_enrol' })
  const secret = newTotpSecret()
  // Not active yet: it is stored pending (one per user, replaced by a new start) until confirmed.
  if (!(await deps.store.savePendingTotp(user.id, deps.secrets.seal(secret, totpBinding(user.id)), deps.clock()))) throw mfaAlreadyEnabled()
  const uri = otpauthUri(secret, deps.config.appName, user.username)
  return { secret, otpauth_uri: uri, qr_svg: await qrSvg(uri) }
}

/** @returns the 10 recovery codes, shown this once; only their hashes are kept. */
export async function confirmTotpEnrolment(deps: MfaDeps, user: User, code: string, meta: ClientMeta): Promise<string[]> {
  const factor = await deps.store.findTotp(user.id)
  if (!factor) throw mfaNotPending()
  if (factor.confirmedAt) throw mfaAlreadyEnabled()
  const step = matchTotpStep(deps.secrets.open(factor.secret, totpBinding(user.id)), code.trim(), deps.clock())
  if (step === null) throw invalidConfirmationCode()
  const { codes, hashes } = newRecoveryCodes(user.id)
  const event = { type: 'mfa.enabled', actorId: user.id, subjectId: user.id, meta, details: { method: 'totp' } } as const
  // The confirming code's step is spent too: it cannot sign in a second time.
  if (!(await deps.store.confirmTotp(user.id, step, hashes, deps.clock(), deps.events.auditRows(event)))) throw mfaNotPending()
  deps.events.recorded(event)
  return codes
}

export async function disableTotp(deps: MfaDeps, user: User, input: ReauthInput, meta: ClientMeta): Promise<void> {
  if (!user.totpEnabled) throw mfaNotEnabled()
  await confirmPassword(deps, user, input, { meta, purpose: 'mfa_disable' })
  const event = { type: 'mfa.disabled', actorId: user.id, subjectId: user.id, meta, details: { method: 'totp' } } as const
  if (!(await deps.store.deleteTotp(user.id, deps.clock(), deps.events.auditRows(event)))) throw mfaNotEnabled()
  deps.events.recorded(event)
}

/** New recovery codes: the old ones stop working. */
export async function regenerateRecoveryCodes(deps: MfaDeps, user: User, input: ReauthInput, meta: ClientMeta): Promise<string[]> {
  if (!user.totpEnabled) throw mfaNotEnabled()
  await confirmPassword(deps, user, input, { meta, purpose: 'recovery_codes' })
  const { codes, hashes } = newRecoveryCodes(user.id)
  const event = { type: 'mfa.recovery_regenerated', actorId: user.id, subjectId: user.id, meta } as const
  await deps.store.replaceRecoveryCodes(user.id, hashes, deps.clock(), deps.events.auditRows(event))
  deps.events.recorded(event)
  return codes
}

/** An admin (or the CLI) removes a user's second factor, e.g. after a lost phone. */
export async function resetMfa(deps: Pick<MfaDeps, 'store' | 'events' | 'clock'>, target: User, actorId: string | null, meta: ClientMeta): Promise<boolean> {
  const event = { type: 'mfa.reset', actorId, subjectId: target.id, meta, details: { username: target.username } } as const
  const removed = await deps.store.deleteTotp(target.id, deps.clock(), deps.events.auditRows(event))
  if (removed) deps.events.recorded(event)
  return removed
}
