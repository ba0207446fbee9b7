import type { Deps } from '../deps/types.js'
import type { ClientMeta } from '../events/events.js'
import type { User } from '../store/store.js'
import { useRecoveryCode } from './factors/recovery-code.js'
import { verifyTotp } from './factors/totp.js'

/** What a request offers as its second factor: a TOTP code, or a recovery code. */
export interface SecondFactorInput {
  otp?: string | undefined
  recoveryCode?: string | undefined
}

export const offersSecondFactor = (i: SecondFactorInput): boolean => i.otp !== undefined || i.recoveryCode !== undefined

/** RFC 8176 methods after a password and a second factor (a recovery code is a one-time password too). */
export const AMR_PASSWORD = ['pwd'] as const
export const AMR_PASSWORD_OTP = ['pwd', 'otp', 'mfa'] as const

type FactorDeps = Pick<Deps, 'store' | 'secrets' | 'clock' | 'events'>

/**
 * Checks the offered second factor of `user` (the caller holds the throttle). A recovery code is
 * spent with its audit row in one transaction. @returns the method that passed, or null.
 */
export async function verifySecondFactor(deps: FactorDeps, user: User, input: SecondFactorInput, meta: ClientMeta): Promise<'totp' | 'recovery_code' | null> {
  const now = deps.clock()
  if (input.otp !== undefined) return (await verifyTotp(deps, user.id, input.otp.trim(), now)) ? 'totp' : null
  if (input.recoveryCode === undefined) return null
  const event = { type: 'mfa.recovery_used', actorId: user.id, subjectId: user.id, meta } as const
  if (!(await useRecoveryCode(deps, user.id, input.recoveryCode, now, deps.events.auditRows(event)))) return null
  deps.events.recorded(event)
  return 'recovery_code'
}
