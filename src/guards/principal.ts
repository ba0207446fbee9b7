import type { AccessClaims } from '../tokens/access-token.js'

/**
 * Who made a request, as every guard reports it, whichever verifier checked the token and
 * whichever framework the route is in.
 */
export interface Principal {
  /** The user's id (`sub`). */
  userId: string
  /** The username at sign-in. */
  username: string
  /** The session (`sid`): what logout and revocation end. */
  sessionId: string
  /**
   * The scopes the request holds. An embedded verifier intersects the token's scopes with what
   * the user's roles grant now; a remote verifier can only read the token's.
   */
  scopes: readonly string[]
  /** RFC 8176 methods the session signed in with (`pwd`, `otp`, `mfa` ...). */
  amr: readonly string[]
  /** The verified access-token claims (RFC 9068). */
  claims: AccessClaims
}

/**
 * Checks one bearer token. Rejects with a `DomainError` (`invalid_token`, or `storage_unavailable`
 * when the store cannot answer) and resolves to the principal otherwise.
 */
export interface TokenVerifier {
  verify(token: string): Promise<Principal>
}

/** What a route asks beyond a valid token: every one of `scopes`, and one of `amr` if given. */
export interface Requirement {
  scopes?: readonly string[]
  amr?: readonly string[]
}

export type { AccessClaims }
