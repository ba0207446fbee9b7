import type { NewOutboxMessage } from './outbox.js'

/** Single-use tokens (email verification, password reset, MFA challenges), stored only as hashes. */

export interface NewOneTimeToken {
  tokenHash: string
  userId: string
  /** What the token is for: a token of one purpose never works for another. */
  purpose: string
  /** Opaque data the purpose needs (e.g. the address being verified), or null. */
  data: string | null
  createdAt: Date
  expiresAt: Date
}

export interface OneTimeTokenStore {
  /**
   * Stores a token; with `replace`, the user's other tokens of that purpose go first (one live at
   * a time). With `mail`, the message carrying it is queued in the same transaction.
   */
  createOneTimeToken(t: NewOneTimeToken, replace: boolean, mail?: NewOutboxMessage): Promise<void>
  /** The token's user and data without spending it (to validate a request before changing anything), or null. */
  findOneTimeToken(tokenHash: string, purpose: string, now: Date): Promise<{ userId: string; data: string | null } | null>
  /**
   * Spends a token, atomically: of concurrent calls exactly one gets it.
   * @returns its user and data, or null when unknown, of another purpose, spent or expired at `now`.
   */
  consumeOneTimeToken(tokenHash: string, purpose: string, now: Date): Promise<{ userId: string; data: string | null } | null>
  /** Deletes a user's live tokens of these purposes (a changed password or email voids them). */
  deleteOneTimeTokens(userId: string, purposes: string[]): Promise<void>
  /** Deletes tokens that expired before `before`. @returns how many. */
  purgeOneTimeTokens(before: Date): Promise<number>
}
