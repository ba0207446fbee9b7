import type { Deps } from '../deps/types.js'
import { type AuthnDeps, reauthenticate } from '../authn/authenticate.js'
import { wrongPassword } from '../errors.js'
import { type ClientMeta, recordWith } from '../events/events.js'
import { endAllSessions } from '../sessions/end.js'
import type { User } from '../store/store.js'
import { assertPasswordAcceptable } from './password-policy.js'

/** What a re-authenticating request carries: the current password, and its second factor when MFA is on. */
export interface ReauthInput {
  password: string
  otp?: string | undefined
  recovery_code?: string | undefined
}

/**
 * Re-authenticates before a sensitive change (authn/ does the checking and the per-user limit). A
 * wrong secret is audited as a failed login: someone holding the access token is guessing.
 * @throws DomainError wrong_password, mfa_required, wrong_otp, too_many_requests. @returns the stored hash.
 */
export function confirmPassword(
  deps: AuthnDeps,
  user: Pick<User, 'id' | 'totpEnabled'>,
  input: ReauthInput,
  e: { meta: ClientMeta; purpose: 'password_change' | 'account_deletion' | 'email_change' | 'mfa_enrol' | 'mfa_disable' | 'recovery_codes' },
): Promise<string> {
  return reauthenticate(deps, user, { password: input.password, otp: input.otp, recoveryCode: input.recovery_code }, e.meta, e.purpose)
}

/** Sets a new password and ends every other session of the user (a stolen session dies with the old password). */
export async function changePassword(
  deps: AuthnDeps & Pick<Deps, 'commonPasswords'>,
  user: User,
  currentSessionId: string,
  input: { current_password: string; new_password: string; otp?: string; recovery_code?: string },
  meta: ClientMeta,
): Promise<void> {
  // Before the re-authentication: a refused new password must not spend a recovery code or a code's step.
  assertPasswordAcceptable(deps, 'new_password', input.new_password, user)
  const stored = await confirmPassword(deps, user, { ...input, password: input.current_password }, { meta, purpose: 'password_change' })
  const newHash = await deps.hasher.hash(input.new_password, meta.signal)
  // Compare-and-swap on the old hash: of two concurrent changes, the second must re-authenticate.
  const event = { type: 'password.changed', actorId: user.id, subjectId: user.id, meta } as const
  const changed = await recordWith(deps.events, event, (audit) => deps.store.updatePasswordHash(user.id, stored, newHash, deps.clock(), audit), Boolean)
  if (!changed) throw wrongPassword()
  // Links sent before (a reset, a change of address) die with the old password.
  await deps.store.deleteOneTimeTokens(user.id, ['password_reset', 'verify_email'])
  if (user.pendingEmail) await deps.store.updateUser(user.id, { pendingEmail: null }, deps.clock())
  await endAllSessions(deps, user.id, { actorId: user.id, meta, reason: 'password_changed', exceptId: currentSessionId })
}
