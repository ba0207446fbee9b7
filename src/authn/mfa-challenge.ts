import { createHash } from 'node:crypto'
import type { Deps } from '../deps/types.js'
import { randomToken } from '../lib/ids.js'

/**
 * The `mfa_token` of the two-step sign-in: proof that the password step passed, for 5 minutes.
 * 256 random bits, stored only as a hash, bound to the user and to the password hash the step
 * checked (a password changed or reset meanwhile voids it), one live per user (a new sign-in
 * replaces it, so the table holds at most one per account), and spent by the one success.
 */
export const MFA_CHALLENGE_SECONDS = 300
export const MFA_CHALLENGE = 'mfa_challenge'

export const hashMfaToken = (token: string) => createHash('sha256').update(`gatehouse mfa token\0${token}`).digest('base64url')
export const looksLikeMfaToken = (token: string) => /^[A-Za-z0-9_-]{43}$/.test(token)
/** Which password step a challenge came from, without storing anything that helps guess the password. */
export const passwordFingerprint = (passwordHash: string) => createHash('sha256').update(`gatehouse pwd step\0${passwordHash}`).digest('base64url').slice(0, 22)

export interface ChallengeData {
  pwd: string
  /** When the password step passed: the session's auth_time. */
  at: number
}

export async function issueMfaChallenge(deps: Pick<Deps, 'store' | 'clock'>, userId: string, passwordHash: string, authTime: Date): Promise<string> {
  const token = randomToken()
  const now = deps.clock()
  const data: ChallengeData = { pwd: passwordFingerprint(passwordHash), at: authTime.getTime() }
  await deps.store.createOneTimeToken(
    {
      tokenHash: hashMfaToken(token),
      userId,
      purpose: MFA_CHALLENGE,
      data: JSON.stringify(data),
      createdAt: now,
      expiresAt: new Date(now.getTime() + MFA_CHALLENGE_SECONDS * 1000),
    },
    true,
  )
  return token
}

export function parseChallengeData(data: string | null): ChallengeData | null {
  try {
    const d = JSON.parse(data ?? '') as Partial<ChallengeData>
    return typeof d.pwd === 'string' && typeof d.at === 'number' ? { pwd: d.pwd, at: d.at } : null
  } catch {
    return null
  }
}
