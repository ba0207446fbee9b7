import { type AuthenticationResponseJSON, verifyAuthenticationResponse } from '@simplewebauthn/server'
import type { WebauthnSettings } from '../../config.js'
import type { Passkey, PasskeyStore } from '../../store/store.js'

/**
 * One passkey assertion checked against one stored credential (WebAuthn §7.2): the challenge the
 * caller already spent, the origin (one of WEBAUTHN_ORIGINS), the RP ID hash, user presence, the
 * signature, and the sign counter, which must move forward unless the authenticator keeps none
 * (0 both times). The new counter and backup state are stored with a compare-and-swap, so two
 * assertions carrying one counter value cannot both pass. Verifies one secret; issues nothing.
 */

export type PasskeyCheck =
  | { ok: true; userVerified: boolean; backedUp: boolean }
  | { ok: false; reason: 'user_handle_mismatch' | 'wrong_origin' | 'wrong_rp_id' | 'not_verified' | 'counter_regressed' | 'concurrent_use'; counter?: number }

/** The library's message names the failed check; the audit log keeps which, the client never learns it. */
function reasonOf(err: unknown): 'wrong_origin' | 'wrong_rp_id' | 'not_verified' {
  const m = err instanceof Error ? err.message : ''
  if (/origin/i.test(m)) return 'wrong_origin'
  if (/RP ID/i.test(m)) return 'wrong_rp_id'
  return 'not_verified'
}

export async function verifyPasskeyAssertion(
  deps: { store: Pick<PasskeyStore, 'recordPasskeyUse'> },
  rp: Readonly<WebauthnSettings>,
  passkey: Passkey,
  response: AuthenticationResponseJSON,
  challenge: string,
  now: Date,
): Promise<PasskeyCheck> {
  // §7.2 step 6: a discoverable credential names its user; it must be the credential's own.
  const handle = response.response.userHandle
  if (handle !== undefined && handle !== passkey.userHandle) return { ok: false, reason: 'user_handle_mismatch' }
  let info: Awaited<ReturnType<typeof verifyAuthenticationResponse>>
  try {
    info = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: [...rp.origins],
      expectedRPID: rp.rpId,
      // Counter 0 turns the library's own counter check off: ours below runs only after the
      // signature verified, so a forged assertion cannot raise a clone alarm.
      credential: { id: passkey.credentialId, publicKey: Buffer.from(passkey.publicKey, 'base64url'), counter: 0 },
      // "preferred": presence is required, verification is reported (it decides `mfa` in amr).
      requireUserVerification: false,
    })
  } catch (err) {
    return { ok: false, reason: reasonOf(err) }
  }
  if (!info.verified) return { ok: false, reason: 'not_verified' }
  const { newCounter, userVerified, credentialBackedUp } = info.authenticationInfo
  // §6.1.1: a counter that does not move forward (unless both are 0) signals a cloned authenticator.
  if ((newCounter > 0 || passkey.counter > 0) && newCounter <= passkey.counter) return { ok: false, reason: 'counter_regressed', counter: newCounter }
  const use = { expectedCounter: passkey.counter, newCounter, backedUp: credentialBackedUp, usedAt: now }
  if (!(await deps.store.recordPasskeyUse(passkey.id, use))) return { ok: false, reason: 'concurrent_use', counter: newCounter }
  return { ok: true, userVerified, backedUp: credentialBackedUp }
}

/**
 * RFC 8176 methods of a passkey sign-in. `hwk` for a device-bound credential, `swk` for a synced
 * one (backup eligible: the private key leaves the device for the sync service's keychain, so it
 * is software-secured by definition); both are what the authenticator says of itself (no
 * attestation is asked for). `user`: user presence, which every assertion proves. `mfa` only with
 * user verification (a PIN or biometric on the authenticator): possession plus knowledge or
 * inherence, and phishing-resistant. Without it, a passkey is one factor, like a password.
 */
export function passkeyAmr(passkey: Pick<Passkey, 'deviceType'>, userVerified: boolean): readonly string[] {
  const key = passkey.deviceType === 'multiDevice' ? 'swk' : 'hwk'
  return userVerified ? [key, 'user', 'mfa'] : [key, 'user']
}
