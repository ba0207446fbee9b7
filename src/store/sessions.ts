import type { NewAuditEvent } from './audit.js'
import type { User } from './users.js'

/** Sessions and their rotating refresh tokens (stored only as hashes). */

export interface Session {
  id: string
  userId: string
  scope: string
  createdAt: Date
  lastUsedAt: Date
  /** Absolute end: never extended. */
  expiresAt: Date
  /** Idle end: moved forward on each refresh, never past `expiresAt`. */
  idleExpiresAt: Date
  endedAt: Date | null
  userAgent: string | null
  ip: string | null
  /** How the user authenticated (RFC 8176 values, e.g. ['pwd'], ['pwd', 'otp']); kept across rotations. */
  amr: string[]
  /** When the user last authenticated (OIDC auth_time); kept across rotations. */
  authTime: Date
  /** The OpenID Connect client it was issued to (the authorization code grant); null for the password grant and the pages. */
  clientId: string | null
}

export interface NewSession {
  id: string
  userId: string
  scope: string
  refreshHash: string
  createdAt: Date
  expiresAt: Date
  idleExpiresAt: Date
  userAgent: string | null
  ip: string | null
  amr: string[]
  authTime: Date
  /** The OpenID Connect client it is issued to (the authorization code grant, later); absent or null otherwise. Deleting the client ends it. */
  clientId?: string | null
}

export interface RotateArgs {
  oldHash: string
  newHash: string
  /** The new refresh token sealed under the old one, kept (only while a grace is on) so a replay within it gets it back. */
  sealedSuccessor: string
  now: Date
  idleExpiresAt: Date
  /** A spent token presented again within this many seconds of its rotation is a replay, not reuse. */
  graceSeconds: number
}

export type RotateResult =
  /** `session` as it was before this rotation (the caller decides whether it was live). */
  | { status: 'rotated'; session: Session; user: User }
  /** Spent within the grace: the successor, sealed under the presented token. Nothing changed. */
  | { status: 'replayed'; sealedSuccessor: string; session: Session; user: User }
  /** Spent before the grace: the back end has ended the session (RFC 9700 §4.14.2). */
  | { status: 'reused'; sessionId: string; userId: string }
  /** Unknown token, or its session has ended. */
  | { status: 'gone' }

export interface SessionStore {
  /** Creates a session with its first refresh token hash. */
  createSession(s: NewSession, audit?: readonly NewAuditEvent[]): Promise<Session>
  /**
   * The guard's hot path: the session and its user from this back end's local cache, read
   * synchronously (no promise, no microtask). @returns undefined when nothing is cached, then the
   * caller awaits `findSessionWithUser`; otherwise exactly what that would return.
   */
  peekSessionWithUser(sessionId: string): { session: Session; user: User } | undefined
  /** The session and its user, ended or not: `isLive` decides what counts. */
  findSessionWithUser(sessionId: string): Promise<{ session: Session; user: User } | null>
  /** The session a refresh token (current or rotated) belongs to, with its user; `spent` once rotated. */
  findSessionByRefreshHash(refreshHash: string): Promise<{ session: Session; user: User; spent: boolean } | null>
  /** A user's sessions that have not been ended, newest first (expiry is the caller's to judge). */
  listOpenSessions(userId: string): Promise<Session[]>
  /**
   * Compare-and-swap rotation, atomic: marks `oldHash` used and stores `newHash` only if `oldHash`
   * is unused. Of concurrent calls with one token exactly one is 'rotated'; the others see a spent
   * token, which is 'replayed' within the grace and 'reused' after it.
   */
  rotateRefreshToken(args: RotateArgs): Promise<RotateResult>
  /**
   * A session in use without a refresh (a browser session, on each page it serves): its last use
   * is `now` and its idle end moves to `idleExpiresAt`, never past its absolute end.
   * @returns false when absent, ended, or past its idle or absolute end at `now` (nothing is revived).
   */
  touchSession(id: string, now: Date, idleExpiresAt: Date): Promise<boolean>
  /** Ends a session. @returns false when absent or already ended. */
  endSession(id: string, now: Date, audit?: readonly NewAuditEvent[]): Promise<boolean>
  /** Ends the session that `refreshHash` (current or rotated) belongs to. @returns it, or null. */
  endSessionByRefreshHash(refreshHash: string, now: Date): Promise<{ id: string; userId: string } | null>
  /** Ends every open session of a user but `exceptId`. @returns how many ended. */
  endSessionsForUser(userId: string, now: Date, exceptId?: string, audit?: (count: number) => readonly NewAuditEvent[]): Promise<number>
  /**
   * Retention: deletes sessions that ended or expired before `before`, with their refresh tokens.
   * Spent tokens of open sessions stay (reuse detection needs them). @returns how many sessions went.
   */
  purgeSessions(before: Date): Promise<number>
}
