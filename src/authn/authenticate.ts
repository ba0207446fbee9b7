import { normalizeUsername, usernameKey } from '../accounts/username.js'
import type { Deps } from '../deps/types.js'
import { emailNotVerified, inactiveUser, invalidCredentials, invalidMfaToken, invalidOtp, mfaRequired, notFound, wrongOtp, wrongPassword } from '../errors.js'
import type { ClientMeta } from '../events/events.js'
import type { User } from '../store/store.js'
import { hashMfaToken, issueMfaChallenge, looksLikeMfaToken, MFA_CHALLENGE, parseChallengeData, passwordFingerprint } from './mfa-challenge.js'
import { AMR_PASSWORD, AMR_PASSWORD_OTP, offersSecondFactor, type SecondFactorInput, verifySecondFactor } from './second-factor.js'
import { type Attempt, failed, reauthAttempt, signInAttempt, succeeded, throttled } from './throttle.js'

/**
 * The authentication core: it speaks no HTTP and issues no tokens. Each way in (the password
 * grant, the MFA grant, the account pages, /authorize) asks it who is signing in and gets either
 * a person with the methods they proved, or "another factor is needed" with a challenge. Only
 * sessions/establish.ts turns an `Authenticated` into a session, so no way in can skip a factor.
 */
export interface Authenticated {
  kind: 'authenticated'
  user: User
  /** RFC 8176 methods proved: `['pwd']`, `['pwd', 'otp', 'mfa']`, `['hwk', 'user', 'mfa']` (a passkey, see passkeys/amr.ts). */
  amr: readonly string[]
  authTime: Date
  /** For `login.succeeded`: how. */
  method: 'password' | 'password+totp' | 'password+recovery_code' | 'passkey'
}

export interface SecondFactorNeeded {
  kind: 'mfa_required'
  user: User
  /** The `mfa_token` that the second step presents. */
  challenge: string
}

export type AuthnDeps = Pick<Deps, 'store' | 'hasher' | 'secrets' | 'clock' | 'config' | 'events' | 'limiter'>

type Failure = 'unknown_user' | 'wrong_password' | 'wrong_otp' | 'inactive' | 'email_not_verified'

/**
 * Username and password, and the second factor when the request already carries it.
 * Unknown user and wrong password are indistinguishable: the same error after the same hashing
 * work and padding. Account state (disabled, unverified, MFA) is revealed only after the right password.
 * @throws DomainError invalid_credentials, too_many_requests, inactive_user, email_not_verified, invalid_otp.
 */
export async function authenticateWithPassword(
  deps: AuthnDeps,
  input: { username: string; password: string } & SecondFactorInput,
  meta: ClientMeta,
): Promise<Authenticated | SecondFactorNeeded> {
  const attempt = signInAttempt(input.username, meta)
  return throttled(deps, attempt, async () => {
    const name = normalizeUsername(input.username)
    const user = name ? await deps.store.findUserForLogin(usernameKey(name)) : null
    // One call for both cases: the same hashing work, and failures padded alike (no timing oracle).
    const { ok, needsRehash } = await deps.hasher.verifyLogin(user?.passwordHash ?? null, input.password, meta.signal)
    if (!user || !ok) {
      // The name is recorded only when it is an account's: an unknown "username" may be a
      // password typed into the wrong field, and the audit log keeps everything for good.
      await failed(deps, attempt, user?.id ?? null, user ? { reason: 'wrong_password', username: user.username } : { reason: 'unknown_user' })
      throw invalidCredentials()
    }
    const authTime = deps.clock()
    const { passwordHash: checked, ...account } = user
    await assertMaySignIn(deps, attempt, account)
    // The challenge is bound to the hash as stored after this step (an upgrade replaces it).
    const passwordHash = needsRehash ? await upgradeHash(deps, user, input.password) : checked
    if (!account.totpEnabled) {
      await succeeded(deps, attempt)
      return { kind: 'authenticated', user: account, amr: AMR_PASSWORD, authTime, method: 'password' }
    }
    // RFC 8176 / NIST 800-63B §4.2: the password alone is not enough. The back-off is NOT reset
    // here: only a complete sign-in forgets the failures (see `succeeded`).
    if (!offersSecondFactor(input)) return { kind: 'mfa_required', user: account, challenge: await issueMfaChallenge(deps, account.id, passwordHash, authTime) }
    return secondStep(deps, attempt, account, input, authTime, meta)
  })
}

/**
 * The second step of a two-step sign-in: the `mfa_token` from the first, and a code. Code guessing
 * spends the account's sign-in budget, exactly as password guessing does.
 * @throws DomainError invalid_mfa_token (unknown, expired, spent, or its password changed), invalid_otp, too_many_requests.
 */
export async function completeSecondFactor(deps: AuthnDeps, input: { mfaToken: string } & SecondFactorInput, meta: ClientMeta): Promise<Authenticated> {
  if (!looksLikeMfaToken(input.mfaToken)) throw invalidMfaToken()
  const tokenHash = hashMfaToken(input.mfaToken)
  const found = await deps.store.findOneTimeToken(tokenHash, MFA_CHALLENGE, deps.clock())
  const data = parseChallengeData(found?.data ?? null)
  const user = found ? await deps.store.findUserById(found.userId) : null
  if (!found || !data || !user) throw invalidMfaToken()
  const attempt = signInAttempt(user.username, meta)
  return throttled(deps, attempt, async () => {
    const stored = await deps.store.findPasswordHash(user.id)
    // Bound to the password step it came from: a change or reset since voids it.
    if (stored === null || passwordFingerprint(stored) !== data.pwd || !user.totpEnabled) throw invalidMfaToken()
    await assertMaySignIn(deps, attempt, user)
    const result = await secondStep(deps, attempt, user, input, new Date(data.at), meta)
    // Single use: of two requests with one right code, the store lets one spend the challenge.
    if (!(await deps.store.consumeOneTimeToken(tokenHash, MFA_CHALLENGE, deps.clock()))) throw invalidMfaToken()
    return result
  })
}

async function secondStep(deps: AuthnDeps, attempt: Attempt, user: User, input: SecondFactorInput, authTime: Date, meta: ClientMeta): Promise<Authenticated> {
  const method = await verifySecondFactor(deps, user, input, meta)
  if (!method) {
    await failed(deps, attempt, user.id, { reason: 'wrong_otp' satisfies Failure, username: user.username })
    throw invalidOtp()
  }
  await succeeded(deps, attempt)
  return { kind: 'authenticated', user, amr: AMR_PASSWORD_OTP, authTime, method: method === 'totp' ? 'password+totp' : 'password+recovery_code' }
}

/**
 * After the right password (or a verified passkey): a disabled account, or EMAIL_VERIFICATION=required
 * without a verified address. Every way in asks it, so the rules are the same whatever the secret.
 */
export async function assertMaySignIn(deps: Pick<AuthnDeps, 'config' | 'events'>, attempt: Attempt, user: User): Promise<void> {
  const refuse = (reason: Failure) =>
    deps.events.record({ type: 'login.failed', subjectId: user.id, meta: attempt.meta, details: { reason, username: user.username } })
  if (user.disabled) {
    await refuse('inactive')
    throw inactiveUser()
  }
  if (deps.config.emailVerification === 'required' && user.email !== null && !user.emailVerified) {
    await refuse('email_not_verified')
    throw emailNotVerified()
  }
}

/** passlib's deprecated="auto": a legacy or weaker hash is replaced while we hold the password. */
async function upgradeHash(deps: AuthnDeps, user: { id: string; passwordHash: string }, password: string): Promise<string> {
  const upgraded = await deps.hasher.hash(password)
  // @returns the hash now stored (a concurrent change keeps its own: the challenge then fails, as it should).
  return (await deps.store.updatePasswordHash(user.id, user.passwordHash, upgraded, deps.clock())) ? upgraded : user.passwordHash
}

/**
 * Re-authentication of a signed-in user before a sensitive change: the current password, and the
 * current second factor when MFA is on (a stolen access token plus a phished password must not
 * turn MFA off). Spends the user's re-authentication budget.
 * @throws DomainError wrong_password, mfa_required (no factor offered), wrong_otp, too_many_requests, not_found.
 * @returns the stored password hash (for a compare-and-swap by the caller).
 */
export async function reauthenticate(
  deps: AuthnDeps,
  user: Pick<User, 'id' | 'totpEnabled'>,
  input: { password: string } & SecondFactorInput,
  meta: ClientMeta,
  during: string,
): Promise<string> {
  const attempt = reauthAttempt(user.id, meta, during)
  return throttled(deps, attempt, async () => {
    const stored = await deps.store.findPasswordHash(user.id)
    if (stored === null) throw notFound()
    const { ok } = await deps.hasher.verify(stored, input.password, meta.signal)
    if (!ok) {
      await failed(deps, attempt, user.id, { reason: 'wrong_current_password' })
      throw wrongPassword()
    }
    const current = await deps.store.findUserById(user.id)
    if (!current) throw notFound()
    if (current.totpEnabled) {
      if (!offersSecondFactor(input)) throw mfaRequired()
      // A code is one secret with one budget: guesses here also spend (and wait out) the
      // account's sign-in back-off, so re-authentication is no second guessing channel.
      const signIn = signInAttempt(current.username, meta)
      await throttled(deps, signIn, async () => {
        if (await verifySecondFactor(deps, current, input, meta)) return
        await failed(deps, attempt, user.id, { reason: 'wrong_otp' })
        await failed(deps, signIn, user.id, { reason: 'wrong_otp', username: current.username })
        throw wrongOtp()
      })
    }
    await succeeded(deps, attempt)
    return stored
  })
}
