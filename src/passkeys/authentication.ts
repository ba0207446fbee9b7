import { createHash, randomBytes } from 'node:crypto'
import { generateAuthenticationOptions, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server'
import { assertMaySignIn, type Authenticated } from '../authn/authenticate.js'
import { passkeyAmr, verifyPasskeyAssertion } from '../authn/factors/passkey.js'
import { type Attempt, failed, signInAttempt, succeeded, throttled } from '../authn/throttle.js'
import { passkeyInvalid, passkeyUserVerificationRequired } from '../errors.js'
import type { ClientMeta } from '../events/events.js'
import { parseAuthenticationResponse } from './responses.js'
import { CHALLENGE_SECONDS, challengeOf, hashChallenge, MAX_LIVE_SIGN_IN_CHALLENGES, type PasskeyDeps, relyingParty } from './common.js'

/**
 * Request options for `navigator.credentials.get()` (WebAuthn §7.2), for discoverable passkeys
 * only: allowCredentials is always empty, and the browser offers the passkeys it holds for the RP
 * ID (the account comes from the credential, and its user handle must match).
 *
 * Enumeration: a `username` is accepted (the contract allows one) and changes nothing, not the
 * answer, its shape, nor the queries behind it: naming an account tells nobody whether it has
 * passkeys. (Listing its credentials, for security keys that keep no resident credential, would.)
 * That is why registration refuses a credential its authenticator says is not discoverable.
 * The endpoint is rate limited per client address, and live challenges are capped: a flood cannot
 * grow the table, and past the cap the oldest are evicted (MAX_LIVE_SIGN_IN_CHALLENGES says what
 * that costs), so nobody is refused.
 * @throws DomainError passkeys_unavailable.
 */
export async function passkeyAuthenticationOptions(
  deps: PasskeyDeps,
  _input: { username?: string | null | undefined },
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const rp = relyingParty(deps.config)
  const options = await generateAuthenticationOptions({
    rpID: rp.rpId,
    challenge: randomBytes(32),
    timeout: CHALLENGE_SECONDS * 1000,
    userVerification: 'preferred',
  })
  const now = deps.clock()
  await deps.store.createWebauthnChallenge(
    {
      challengeHash: hashChallenge(options.challenge),
      ceremony: 'authentication',
      userId: null,
      data: null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + CHALLENGE_SECONDS * 1000),
    },
    deps.passkeySignInChallengeCap ?? MAX_LIVE_SIGN_IN_CHALLENGES,
  )
  return { ...options, allowCredentials: [] }
}

/** The budget an assertion for an unknown credential spends: one per credential id, bounded in size. */
const unknownCredentialAttempt = (credentialId: string, meta: ClientMeta): Attempt => ({
  budget: 'login',
  account: `#passkey:${createHash('sha256').update(credentialId).digest('base64url')}`,
  meta,
})

/**
 * Signs in with a passkey: `response` from `navigator.credentials.get()` with options from
 * `passkeyAuthenticationOptions`. The challenge is spent first, whatever follows (a replay finds it
 * gone). A failed assertion for a known credential spends its account's sign-in budget, exactly
 * as a wrong password does (and the back-off holds a right assertion too); an unknown credential
 * spends a budget of its own, after the same lookup and challenge work. Account state (disabled,
 * email not verified under EMAIL_VERIFICATION=required) is told only after a valid assertion.
 *
 * MFA: a passkey with user verification is two factors (`mfa` in amr) and satisfies MFA_REQUIRED_ROLES
 * and an account's TOTP. Without user verification it is one factor: an account with TOTP on is
 * refused (`passkey_user_verification_required`), and signs in with its password and code instead.
 * @throws DomainError passkeys_unavailable, passkey_invalid (replayed, unknown, wrong origin or RP
 * ID, bad signature, counter gone backwards), too_many_requests, inactive_user, email_not_verified,
 * passkey_user_verification_required.
 */
export async function authenticateWithPasskey(deps: PasskeyDeps, input: { response: unknown }, meta: ClientMeta): Promise<Authenticated> {
  const rp = relyingParty(deps.config)
  const response = parseAuthenticationResponse(input.response)
  const challenge = response && challengeOf(response.response.clientDataJSON)
  if (!response || !challenge) throw passkeyInvalid()
  const found = await deps.store.findPasskeyByCredentialId(response.id)
  const attempt = found ? signInAttempt(found.user.username, meta) : unknownCredentialAttempt(response.id, meta)
  return throttled(deps, attempt, async () => {
    const now = deps.clock()
    const spent = await deps.store.consumeWebauthnChallenge(hashChallenge(challenge), 'authentication', now)
    if (!found) {
      await failed(deps, attempt, null, { reason: 'unknown_passkey' })
      throw passkeyInvalid()
    }
    const { passkey, user } = found
    const refuse = async (reason: string, extra: Record<string, unknown> = {}) => {
      await failed(deps, attempt, user.id, { reason, username: user.username, passkey_id: passkey.id, ...extra })
      return passkeyInvalid()
    }
    if (!spent) throw await refuse('challenge_unknown_or_spent')
    // Sign-in challenges are issued for nobody in particular; one bound to a user (as they were
    // before discoverable-only sign-in, for their 3 minutes) is for that account's passkeys only.
    if (spent.userId !== null && spent.userId !== user.id) throw await refuse('challenge_for_another_account')
    const check = await verifyPasskeyAssertion(deps, rp, passkey, response, challenge, now)
    if (!check.ok) {
      if (check.reason === 'counter_regressed') {
        await deps.events.record({
          type: 'passkey.counter_regressed',
          subjectId: user.id,
          meta,
          details: { passkey_id: passkey.id, stored_counter: passkey.counter, presented_counter: check.counter },
        })
      }
      throw await refuse(check.reason)
    }
    await assertMaySignIn(deps, attempt, user)
    if (user.totpEnabled && !check.userVerified) {
      // The right passkey, one factor short: not a guess, so the budget is neither spent nor reset.
      await deps.events.record({
        type: 'login.failed',
        subjectId: user.id,
        meta,
        details: { reason: 'passkey_without_user_verification', username: user.username },
      })
      throw passkeyUserVerificationRequired()
    }
    await succeeded(deps, attempt)
    return { kind: 'authenticated', user, amr: passkeyAmr(passkey, check.userVerified), authTime: now, method: 'passkey' }
  })
}
