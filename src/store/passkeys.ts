import type { NewAuditEvent } from './audit.js'
import type { User } from './users.js'

/**
 * Passkeys (WebAuthn credentials) and the challenges of their ceremonies. A credential belongs to
 * one user (deleting the user deletes it, foreign key) and its WebAuthn credential id is unique
 * across users. Challenges are single-use and short-lived, stored only as hashes.
 */

export interface Passkey {
  /** Gatehouse's own id (what the API and pages name), not the WebAuthn credential id. */
  id: string
  userId: string
  /** The WebAuthn credential id, base64url. */
  credentialId: string
  /** The COSE public key, base64url. */
  publicKey: string
  /** The signature counter last seen (0 for authenticators that keep none). */
  counter: number
  /** Hints for the browser (`usb`, `internal`, `hybrid` ...). */
  transports: string[]
  /** `multiDevice`: backup eligible (a synced passkey); `singleDevice`: bound to one authenticator. */
  deviceType: 'singleDevice' | 'multiDevice'
  /** Backed up (synced) as of its last use. */
  backedUp: boolean
  name: string
  /** The WebAuthn user handle the credential was created for (base64url): random, never the email. */
  userHandle: string
  /** The authenticator model's AAGUID, when it told one. */
  aaguid: string | null
  createdAt: Date
  lastUsedAt: Date | null
}

export type NewPasskey = Omit<Passkey, 'lastUsedAt'>

export type WebauthnCeremony = 'registration' | 'authentication'

export interface NewWebauthnChallenge {
  /** SHA-256 of the challenge, base64url. */
  challengeHash: string
  ceremony: WebauthnCeremony
  /** Registration: the user adding a passkey. Authentication: the user named, or null (discoverable). */
  userId: string | null
  /** Opaque data the ceremony needs (a registration's user handle), or null. */
  data: string | null
  createdAt: Date
  expiresAt: Date
}

export interface PasskeyUse {
  /** The counter the caller checked against: the update happens only if it still holds. */
  expectedCounter: number
  newCounter: number
  backedUp: boolean
  usedAt: Date
}

export interface PasskeyStore {
  /** Stores a credential. @returns false (nothing stored, no audit) when its credential id is already registered. */
  createPasskey(p: NewPasskey, audit?: readonly NewAuditEvent[]): Promise<boolean>
  /** A user's passkeys, oldest first. */
  listPasskeys(userId: string): Promise<Passkey[]>
  /** The credential with that WebAuthn id and its user, or null. */
  findPasskeyByCredentialId(credentialId: string): Promise<{ passkey: Passkey; user: User } | null>
  /**
   * Records a verified assertion, atomically: the counter moves to `newCounter` only while it still
   * equals `expectedCounter` and `newCounter` is greater (or both are 0: an authenticator without a
   * counter), so of two assertions carrying one counter value at most one passes.
   * @returns false when it did not hold (a concurrent use, a replay, a clone).
   */
  recordPasskeyUse(id: string, use: PasskeyUse): Promise<boolean>
  /** @returns the renamed passkey, or null when the user has none with that id. */
  renamePasskey(userId: string, id: string, name: string, audit?: readonly NewAuditEvent[]): Promise<Passkey | null>
  /** @returns false when the user has none with that id (another user's id included). */
  deletePasskey(userId: string, id: string, audit?: readonly NewAuditEvent[]): Promise<boolean>

  /**
   * Stores a challenge. Expired challenges go first. A registration challenge replaces the user's
   * earlier one (one live per user). An authentication challenge is always stored: when `maxLive`
   * (at least 1) authentication challenges are live, the oldest of them are deleted first, so an
   * anonymous flood cannot grow the table, nor refuse anybody a challenge. Atomic: concurrent
   * calls, from any number of instances, never leave more than `maxLive` live.
   * @returns how many live authentication challenges were evicted (0 under the cap).
   */
  createWebauthnChallenge(c: NewWebauthnChallenge, maxLive: number): Promise<number>
  /**
   * Spends a challenge, atomically: of concurrent calls exactly one gets it.
   * @returns its user and data, or null when unknown, of the other ceremony, spent or expired at `now`.
   */
  consumeWebauthnChallenge(challengeHash: string, ceremony: WebauthnCeremony, now: Date): Promise<{ userId: string | null; data: string | null } | null>
  /** Deletes challenges that expired before `before`. @returns how many. */
  purgeWebauthnChallenges(before: Date): Promise<number>
}
