import type { NewAuditEvent } from './audit.js'

/**
 * Second factors: one TOTP secret per user (pending until confirmed with a first code) and the
 * user's recovery codes, stored only as hashes. Deleting the user deletes both (foreign key).
 * Every method taking `audit` appends those events in the same transaction as its change, and
 * only when the change happened (a method that returns false appends nothing).
 */

export interface TotpFactor {
  userId: string
  /** Opaque: ciphertext or clear, the store does not care. */
  secret: string
  confirmedAt: Date | null
  /** The last time step a code was accepted for: the replay guard. */
  lastUsedStep: number | null
  createdAt: Date
}

export interface MfaStore {
  /** Stores an unconfirmed TOTP secret, replacing an earlier unconfirmed one. @returns false (nothing changed) when a confirmed factor exists. */
  savePendingTotp(userId: string, secret: string, now: Date): Promise<boolean>
  /** The user's factor, pending or confirmed, or null. */
  findTotp(userId: string): Promise<TotpFactor | null>
  /**
   * Confirms the pending factor, atomically: sets confirmedAt and lastUsedStep=step, replaces the
   * user's recovery codes with `recoveryCodeHashes`, sets users.totp_enabled.
   * @returns false when there is no pending factor.
   */
  confirmTotp(userId: string, step: number, recoveryCodeHashes: string[], now: Date, audit?: readonly NewAuditEvent[]): Promise<boolean>
  /**
   * Replay guard, atomic across instances: records `step` only if the confirmed factor's
   * lastUsedStep is null or < step. @returns false on a replay (or no confirmed factor).
   */
  consumeTotpStep(userId: string, step: number): Promise<boolean>
  /** Removes the factor and the recovery codes, clears users.totp_enabled. @returns false when there was none. */
  deleteTotp(userId: string, now: Date, audit?: readonly NewAuditEvent[]): Promise<boolean>
  /** Replaces all recovery codes of a user (hashes). */
  replaceRecoveryCodes(userId: string, hashes: string[], now: Date, audit?: readonly NewAuditEvent[]): Promise<void>
  /** Spends one recovery code, atomically (of concurrent calls exactly one wins). @returns false when unknown or used. */
  consumeRecoveryCode(userId: string, hash: string, now: Date, audit?: readonly NewAuditEvent[]): Promise<boolean>
  /** Unused recovery codes left. */
  countRecoveryCodes(userId: string): Promise<number>
  /** For re-encryption: every TOTP secret (paged by userId > after, at most limit), in userId order. */
  listTotpSecrets(afterUserId: string, limit: number): Promise<{ userId: string; secret: string }[]>
  /** Compare-and-swap a TOTP secret (re-encryption): @returns false when it no longer equals `oldSecret`. */
  replaceTotpSecret(userId: string, oldSecret: string, newSecret: string): Promise<boolean>
}
