import type { NewAuditEvent } from './audit.js'

/**
 * A user's consent to a third-party client (OpenID Connect Core §3.1.2.4): the scopes the user
 * let it have, one row per user and client. Deleting the user or the client deletes it.
 */

export interface Consent {
  userId: string
  clientId: string
  /** The union of every scope granted so far, in the order first granted. */
  scopes: string[]
  /** When it was last granted or widened. */
  grantedAt: Date
}

export interface ConsentStore {
  /**
   * Stores the user's consent to the client, or widens it: the scopes become the union of the
   * stored and these, `grantedAt` becomes `now`. Atomic (concurrent grants both land).
   * @returns the consent as it is now.
   */
  grantConsent(userId: string, clientId: string, scopes: readonly string[], now: Date, audit?: readonly NewAuditEvent[]): Promise<Consent>
  findConsent(userId: string, clientId: string): Promise<Consent | null>
  /** The user's consents, newest (`grantedAt`) first. */
  listConsents(userId: string): Promise<Consent[]>
  /**
   * Deletes the consent, the user's authorization codes for that client (so none issued before
   * can still be redeemed), and ends (at `now`) the user's open sessions issued to that client,
   * in one transaction. Other users' sessions and other clients' are untouched.
   * @returns how many sessions it ended, or null when there was no consent (nothing changed, no audit).
   */
  revokeConsent(userId: string, clientId: string, now: Date, audit?: (ended: number) => readonly NewAuditEvent[]): Promise<number | null>
}
