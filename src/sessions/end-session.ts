import type { Deps } from '../deps.js'
import { hashRefreshToken, looksLikeRefreshToken } from '../tokens/refresh-token.js'

/**
 * RFC 7009: ends the session a token belongs to. A refresh token (current or already rotated)
 * or an access token is accepted; anything else is silently ignored, so the response never tells
 * a caller whether a token was valid (§2.2).
 */
export async function revokeToken(deps: Pick<Deps, 'store' | 'clock' | 'verifyAccessToken'>, token: string, hint?: string): Promise<void> {
  const now = deps.clock()
  const tryRefresh = async () => looksLikeRefreshToken(token) && deps.store.endSessionByRefreshHash(hashRefreshToken(token), now)
  const tryAccess = async () => {
    try {
      const claims = await deps.verifyAccessToken(token, now)
      return deps.store.endSession(claims.sid, now)
    } catch {
      return false
    }
  }
  // §2.1: the hint only orders the look-ups; a wrong hint still finds the token.
  if (hint === 'access_token') (await tryAccess()) || (await tryRefresh())
  else (await tryRefresh()) || (await tryAccess())
}
