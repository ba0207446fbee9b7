import { grantScopes, parseScope, scopesForRoles } from '../accounts/scopes.js'
import type { Deps } from '../deps.js'
import { invalidRefreshToken, invalidScope } from '../errors.js'
import { hashRefreshToken, looksLikeRefreshToken, newRefreshToken } from '../tokens/refresh-token.js'
import { issueTokens, type TokenResponse } from './issue-tokens.js'

type GrantDeps = Pick<Deps, 'store' | 'keys' | 'tokens' | 'clock' | 'config' | 'metrics' | 'log'>

/**
 * RFC 6749 §6: rotates the refresh token (RFC 9700 §4.14.2) and issues a new access token.
 * A token that was already rotated ends its session: whoever holds the newer one is logged out too.
 */
export async function refreshGrant(deps: GrantDeps, input: { refresh_token: string; scope?: string }): Promise<TokenResponse> {
  if (!looksLikeRefreshToken(input.refresh_token)) throw refreshFailed(deps, 'refresh_invalid')
  const requested = parseScope(input.scope)
  if (!requested) throw invalidScope(input.scope ?? '')
  const oldHash = hashRefreshToken(input.refresh_token)
  if (requested.length > 0) {
    // RFC 6749 §6: a narrower scope may be asked for. Check it before rotating, so a refused
    // request leaves the client's refresh token usable. A spent token skips this and goes on to
    // rotation, whose reuse detection ends the session whatever scope came with it.
    const found = await deps.store.findSessionByRefreshHash(oldHash)
    if (found && !found.spent && !grantScopes(requested, heldScopes(found.session.scope, found.user.roles))) {
      throw invalidScope(input.scope ?? '')
    }
  }
  const now = deps.clock()
  const newToken = newRefreshToken()
  const result = await deps.store.rotateRefreshToken({
    oldHash,
    newHash: hashRefreshToken(newToken),
    now,
    idleExpiresAt: new Date(now.getTime() + deps.config.sessionIdleTtlSeconds * 1000),
  })
  if (result.status === 'reused') {
    deps.log.warn({ sessionId: result.sessionId }, 'refresh token reuse: session ended')
    throw refreshFailed(deps, 'refresh_reused')
  }
  if (result.status === 'gone' || result.user.disabled) throw refreshFailed(deps, 'refresh_invalid')

  const { session, user } = result
  const scopes = grantScopes(requested, heldScopes(session.scope, user.roles)) ?? []
  deps.metrics.logins.inc({ outcome: 'refresh' })
  return issueTokens(deps, user, { id: session.id, scope: scopes.join(' ') }, newToken)
}

/** A session keeps at most its original scope, less what the user's roles no longer allow. */
function heldScopes(sessionScope: string, roles: string[]): string[] {
  const allowed = scopesForRoles(roles)
  return sessionScope.split(' ').filter((s) => s !== '' && allowed.includes(s))
}

function refreshFailed(deps: Pick<Deps, 'metrics'>, outcome: 'refresh_invalid' | 'refresh_reused') {
  deps.metrics.logins.inc({ outcome })
  return invalidRefreshToken()
}
