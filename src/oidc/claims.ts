import type { User } from '../store/store.js'

/**
 * The claims the standard scopes release (OpenID Connect Core §5.4), for the ID token and
 * /userinfo alike. `sub` is the user's id, as in the access token (never the username, which can
 * change hands). Gatehouse knows a username and an email address, nothing more about a person.
 */
export function scopedClaims(user: Pick<User, 'id' | 'username' | 'email' | 'emailVerified'>, scopes: readonly string[]): Record<string, unknown> {
  const claims: Record<string, unknown> = { sub: user.id }
  if (scopes.includes('profile')) claims.preferred_username = user.username
  if (scopes.includes('email') && user.email !== null) {
    claims.email = user.email
    claims.email_verified = user.emailVerified
  }
  return claims
}

/** Every claim Gatehouse can release (discovery's `claims_supported`). */
export const CLAIMS_SUPPORTED = ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'amr', 'sid', 'azp', 'preferred_username', 'email', 'email_verified']
