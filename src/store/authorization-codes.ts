import type { NewAuditEvent } from './audit.js'
import type { NewSession, Session } from './sessions.js'

/**
 * OAuth 2.1 / OpenID Connect authorization codes (RFC 6749 §4.1), stored only as hashes. A code
 * is single-use: once redeemed it stays (consumed) until retention purges it, so a second
 * presentation is recognised as a replay and the session it created can be ended (RFC 6749
 * §4.1.2, §10.5). Deleting the user or the client deletes their codes.
 */

export interface AuthorizationCode {
  /** SHA-256 of the code, base64url: the code itself is never stored. */
  hash: string
  clientId: string
  userId: string
  redirectUri: string
  /** PKCE S256 challenge (RFC 7636). */
  codeChallenge: string
  nonce: string | null
  /** Space-separated, as granted. */
  scope: string
  /** The browser session that approved it (ID token `sid`). */
  browserSessionId: string
  authTime: Date
  amr: string[]
  /** The API session the exchange will create: chosen up front, so a replay can end it (RFC 6749 §4.1.2). */
  sessionId: string
  createdAt: Date
  expiresAt: Date
  consumedAt: Date | null
}

export type NewAuthorizationCode = Omit<AuthorizationCode, 'consumedAt'>

export type RedeemResult =
  /** The code was live: it is consumed now, and `session` was created with it. */
  | { status: 'redeemed'; session: Session }
  /**
   * The code had been redeemed before: the session it created (`sessionId`) has been ended, if it
   * was still open (`ended`). Nothing was created.
   */
  | { status: 'replayed'; sessionId: string; ended: boolean; userId: string }
  /** Unknown (or purged, or revoked with its consent or client), or expired unredeemed. */
  | { status: 'invalid' }

export interface AuthorizationCodeStore {
  /**
   * Stores a code; then deletes the user's oldest unconsumed codes beyond `maxPerUser` (at least 1;
   * the new code always stays), so one user cannot fill the table. Concurrent calls for one user
   * may each miss the other's uncommitted code: the next call trims again.
   */
  createAuthorizationCode(c: NewAuthorizationCode, maxPerUser: number): Promise<void>
  /** The code as stored, consumed or expired alike (the caller judges), or null. */
  findAuthorizationCode(hash: string): Promise<AuthorizationCode | null>
  /**
   * The exchange, atomic: if the code is unconsumed and not expired at `now` (`expiresAt > now`),
   * marks it consumed and creates `session` with `audit` -> 'redeemed'. `session` must be the
   * code's: its `id` is the code's `sessionId`, and its `userId` and `clientId` are the code's
   * (anything else throws, and nothing changes). If the code was consumed before (expired since
   * or not): ends the session `code.sessionId` if open -> 'replayed'. Absent, or expired
   * unconsumed -> 'invalid'. `audit` is appended only for 'redeemed'. Of concurrent redemptions
   * of one code exactly one is 'redeemed'; the others are replays, and end its session.
   */
  redeemAuthorizationCode(hash: string, now: Date, session: NewSession, audit?: readonly NewAuditEvent[]): Promise<RedeemResult>
  /** Retention: deletes codes (consumed or not) that expired before `before`. @returns how many. */
  purgeAuthorizationCodes(before: Date): Promise<number>
}
