import { randomBytes } from 'node:crypto'
import {
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type VerifiedRegistrationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server'
import { type AuthnDeps, reauthenticate } from '../authn/authenticate.js'
import { passkeyAlreadyRegistered, passkeyLimit, passkeyNotDiscoverable, passkeyRegistrationInvalid, reauthenticationRequired } from '../errors.js'
import { type ClientMeta, recordWith } from '../events/events.js'
import { newId } from '../lib/ids.js'
import type { NewPasskey, User } from '../store/store.js'
import {
  ALGORITHMS,
  CHALLENGE_SECONDS,
  challengeOf,
  cleanName,
  hashChallenge,
  MAX_LIVE_SIGN_IN_CHALLENGES,
  MAX_PASSKEYS_PER_USER,
  type PasskeyDeps,
  type PasskeyView,
  relyingParty,
  toPasskeyView,
} from './common.js'
import { cleanTransports, parseRegistrationResponse } from './responses.js'

/**
 * Adding a passkey to a signed-in user (WebAuthn §7.1). The caller has authenticated the user (a
 * bearer token, or the account pages' session) and hands over how and when that session signed in;
 * nothing here knows how it was checked.
 *
 * A passkey with user verification signs in as two factors and outlives password changes, so adding
 * one is as sensitive as turning TOTP off: it takes the password (and the current code when TOTP is
 * on), unless the session has just signed in, at full strength.
 */

type RegistrationUser = Pick<User, 'id' | 'username'>

/** What the options need: the passkey services' deps and what re-authentication checks the password with. */
export type PasskeyRegistrationDeps = PasskeyDeps & AuthnDeps

/** A session this young (since its sign-in, `auth_time`) may add a passkey without re-entering the password. */
export const PASSKEY_ADD_FRESH_SECONDS = 300

/**
 * What the caller proves before a passkey is added: when the session signed in (`authTime`, from
 * the session row, never from the client), and the secrets the person typed, if any.
 */
export interface PasskeyAddProof {
  authTime: Date
  password?: string | undefined
  otp?: string | undefined
  recoveryCode?: string | undefined
}

/**
 * With a password (a non-empty one): re-authentication, as before turning TOTP off (the code too
 * when TOTP is on; spends the user's re-authentication budget; a failure is audited). Without one:
 * only a session that signed in at most PASSKEY_ADD_FRESH_SECONDS ago. (A user with TOTP signs in
 * with it; a fresh password-only session of a TOTP user is one that turned TOTP on since, which
 * took the password again: the contract's "sign in, enrol TOTP, add a passkey" works without a body.)
 * @throws DomainError reauthentication_required, wrong_password, mfa_required, wrong_otp, too_many_requests.
 */
async function assertMayAddPasskey(
  deps: PasskeyRegistrationDeps,
  user: Pick<User, 'id' | 'totpEnabled'>,
  proof: PasskeyAddProof,
  meta: ClientMeta,
): Promise<void> {
  if (proof.password) {
    await reauthenticate(deps, user, { password: proof.password, otp: proof.otp, recoveryCode: proof.recoveryCode }, meta, 'passkey_add')
    return
  }
  const age = (deps.clock().getTime() - proof.authTime.getTime()) / 1000
  if (age > PASSKEY_ADD_FRESH_SECONDS) throw reauthenticationRequired()
}

/** The WebAuthn user handle: random per user (never the email or the account id), kept by every passkey of the user. */
const newUserHandle = () => randomBytes(32).toString('base64url')

/**
 * Creation options for `navigator.credentials.create()`: a resident key and user verification
 * preferred, no attestation, the user's passkeys excluded (one authenticator, one passkey), and
 * the credProps extension (registerPasskey refuses a credential reported not discoverable). The
 * challenge is single-use, bound to this user, and replaces any earlier one of theirs.
 *
 * Only after `proof` holds (see assertMayAddPasskey) is a challenge issued, and `registerPasskey`
 * accepts nothing but a response to such a challenge: this is the one gate of adding a passkey.
 * @throws DomainError passkeys_unavailable, reauthentication_required, wrong_password, mfa_required,
 * wrong_otp, too_many_requests, passkey_limit.
 */
export async function passkeyRegistrationOptions(
  deps: PasskeyRegistrationDeps,
  user: Pick<User, 'id' | 'username' | 'totpEnabled'>,
  proof: PasskeyAddProof,
  meta: ClientMeta,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const rp = relyingParty(deps.config)
  await assertMayAddPasskey(deps, user, proof, meta)
  const existing = await deps.store.listPasskeys(user.id)
  if (existing.length >= MAX_PASSKEYS_PER_USER) throw passkeyLimit(MAX_PASSKEYS_PER_USER)
  const handle = existing[0]?.userHandle ?? newUserHandle()
  const options = await generateRegistrationOptions({
    rpName: rp.rpName,
    rpID: rp.rpId,
    userName: user.username,
    userDisplayName: user.username,
    userID: Buffer.from(handle, 'base64url'),
    challenge: randomBytes(32),
    timeout: CHALLENGE_SECONDS * 1000,
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: cleanTransports(p.transports) })),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
    // Sign-in is discoverable-only: ask the client to say whether the credential is (rk).
    extensions: { credProps: true },
    supportedAlgorithmIDs: ALGORITHMS,
  })
  const now = deps.clock()
  await deps.store.createWebauthnChallenge(
    {
      challengeHash: hashChallenge(options.challenge),
      ceremony: 'registration',
      userId: user.id,
      data: JSON.stringify({ handle }),
      createdAt: now,
      expiresAt: new Date(now.getTime() + CHALLENGE_SECONDS * 1000),
    },
    MAX_LIVE_SIGN_IN_CHALLENGES,
  )
  return options
}

/** A name for a passkey nobody named: what kind of authenticator it is, as far as its flags tell. */
function defaultName(info: NonNullable<VerifiedRegistrationResponse['registrationInfo']>, transports: readonly string[]): string {
  if (info.credentialDeviceType === 'multiDevice') return 'Synced passkey'
  if (transports.some((t) => t === 'usb' || t === 'nfc' || t === 'ble')) return 'Security key'
  return 'Passkey'
}

/**
 * Verifies `response` (from `navigator.credentials.create()` with the options above) and stores the
 * passkey: the challenge is spent first (it never serves two attempts), then the origin must be one
 * of WEBAUTHN_ORIGINS and the RP ID hash WEBAUTHN_RP_ID's. Records `passkey.added` with it, in one transaction.
 * A credential the client reports as not discoverable (credProps `rk: false`) is refused: sign-in
 * names no credentials, so it could never be used.
 * @throws DomainError passkeys_unavailable, passkey_registration_invalid (any check failed),
 * passkey_not_discoverable, passkey_already_registered, passkey_limit.
 */
export async function registerPasskey(
  deps: PasskeyDeps,
  user: RegistrationUser,
  input: { name?: string | null | undefined; response: unknown },
  meta: ClientMeta,
): Promise<PasskeyView> {
  const rp = relyingParty(deps.config)
  const response = parseRegistrationResponse(input.response)
  const challenge = response && challengeOf(response.response.clientDataJSON)
  if (!response || !challenge) throw passkeyRegistrationInvalid()
  const now = deps.clock()
  const spent = await deps.store.consumeWebauthnChallenge(hashChallenge(challenge), 'registration', now)
  const handle = spent?.userId === user.id ? userHandleOf(spent.data) : null
  if (!handle) throw passkeyRegistrationInvalid()
  let verified: VerifiedRegistrationResponse
  try {
    verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: [...rp.origins],
      expectedRPID: rp.rpId,
      // "preferred": a passkey without user verification is still a passkey (a security key
      // without a PIN); whether a sign-in with it counts as two factors is decided then (amr).
      requireUserVerification: false,
      supportedAlgorithmIDs: ALGORITHMS,
    })
  } catch {
    // The library's message says which check failed; the client gets one answer for all of them.
    throw passkeyRegistrationInvalid()
  }
  const info = verified.registrationInfo
  if (!verified.verified || !info) throw passkeyRegistrationInvalid()
  // Sign-in names no credentials (allowCredentials is always empty): a credential the client says
  // is not discoverable could never be offered. Many clients do not report credProps: accepted.
  if (response.clientExtensionResults.credProps?.rk === false) throw passkeyNotDiscoverable()
  if ((await deps.store.listPasskeys(user.id)).length >= MAX_PASSKEYS_PER_USER) throw passkeyLimit(MAX_PASSKEYS_PER_USER)
  const transports = cleanTransports(info.credential.transports ?? response.response.transports)
  const passkey: NewPasskey = {
    id: newId(),
    userId: user.id,
    credentialId: info.credential.id,
    publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
    counter: info.credential.counter,
    transports,
    deviceType: info.credentialDeviceType,
    backedUp: info.credentialBackedUp,
    name: cleanName(input.name) ?? defaultName(info, transports),
    userHandle: handle,
    aaguid: /^0{8}-0{4}-0{4}-0{4}-0{12}$/.test(info.aaguid) ? null : info.aaguid,
    createdAt: now,
  }
  const event = {
    type: 'passkey.added',
    actorId: user.id,
    subjectId: user.id,
    meta,
    details: { passkey_id: passkey.id, device_type: passkey.deviceType, backed_up: passkey.backedUp, user_verified: info.userVerified },
  } as const
  const created = await recordWith(deps.events, event, (audit) => deps.store.createPasskey(passkey, audit), Boolean)
  if (!created) throw passkeyAlreadyRegistered()
  return toPasskeyView({ ...passkey, lastUsedAt: null })
}

function userHandleOf(data: string | null): string | null {
  try {
    const d = JSON.parse(data ?? '') as { handle?: unknown }
    return typeof d.handle === 'string' && /^[A-Za-z0-9_-]{8,86}$/.test(d.handle) ? d.handle : null
  } catch {
    return null
  }
}
