import { effectiveRoles, grantScopes, heldScopes, parseScope } from '../../accounts/scopes.js'
import { invalidRefreshToken, invalidScope, unauthorizedClient } from '../../errors.js'
import type { ClientMeta } from '../../events/events.js'
import { authenticateClient } from '../../oidc/client-auth.js'
import type { Session, User } from '../../store/store.js'
import { hashRefreshToken, looksLikeRefreshToken, newRefreshToken, openSuccessor, sealSuccessor } from '../../tokens/refresh-token.js'
import { issueTokens, type TokenResponse } from '../issue-tokens.js'
import { isLive } from '../liveness.js'
import type { Grant, GrantDeps } from './grant.js'

/** How many grace replays to follow (token1 -> token2 -> ... all rotated within the grace). */
const MAX_REPLAY_CHAIN = 4

/**
 * RFC 6749 §6: rotates the refresh token (RFC 9700 §4.14.2) and issues a new access token.
 * A token rotated more than REFRESH_REUSE_GRACE ago ends its session: whoever holds the newer one
 * is logged out too. Within the grace, it gets back the successor it was rotated to, so two tabs
 * or a retried request stay signed in and N parallel refreshes leave one working token.
 */
export const refreshTokenGrant: Grant = {
  grantType: 'refresh_token',
  parameters: { required: ['refresh_token'], optional: ['scope', 'client_id', 'client_secret'] },
  client: true,
  async handler(deps, params, meta, creds) {
    const token = params.refresh_token!
    if (!looksLikeRefreshToken(token)) throw await failed(deps, 'malformed', null, meta)
    const requested = parseScope(params.scope)
    if (!requested) throw invalidScope(params.scope ?? '')
    // Bound to its client (RFC 6749 §6, RFC 9700 §4.14.2): the client that presents it must be the
    // one it was issued to (the password grant's sessions: no client at all). A confidential
    // client authenticates; a public one names itself.
    const client = creds === null ? null : await authenticateClient(deps, creds, meta)
    if (client && !client.grantTypes.includes('refresh_token')) throw unauthorizedClient()
    // Checked before rotating, so a refused request leaves the holder's refresh token usable. A
    // spent token skips the scope check and goes on to rotation, whose reuse detection ends the
    // session whatever scope came with it.
    const found = await deps.store.findSessionByRefreshHash(hashRefreshToken(token))
    if (found && (found.session.clientId ?? null) !== (client?.id ?? null)) throw await failed(deps, 'other_client', found.user.id, meta)
    if (requested.length > 0 && found && !found.spent && !grantScopes(requested, sessionScopes(deps, found.session, found.user))) {
      // RFC 6749 §6: a narrower scope may be asked for, never a wider one.
      throw invalidScope(params.scope ?? '')
    }
    return rotate(deps, token, requested, meta, 0)
  },
}

async function rotate(deps: GrantDeps, token: string, requested: string[], meta: ClientMeta, depth: number): Promise<TokenResponse> {
  const now = deps.clock()
  const successor = newRefreshToken()
  const result = await deps.store.rotateRefreshToken({
    oldHash: hashRefreshToken(token),
    newHash: hashRefreshToken(successor),
    sealedSuccessor: sealSuccessor(token, successor),
    now,
    idleExpiresAt: new Date(now.getTime() + deps.config.sessionIdleTtlSeconds * 1000),
    graceSeconds: deps.config.refreshReuseGraceSeconds,
  })
  switch (result.status) {
    case 'gone':
      throw await failed(deps, 'unknown_or_ended', null, meta)
    case 'reused':
      await deps.events.record({ type: 'refresh.reused', subjectId: result.userId, meta, details: { session_id: result.sessionId } })
      throw invalidRefreshToken()
    case 'rotated':
      if (!isLive(result.session, result.user, now)) {
        if (await deps.store.endSession(result.session.id, now)) {
          await deps.events.record({ type: 'session.ended', subjectId: result.user.id, meta, details: { session_id: result.session.id, reason: 'expired' } })
        }
        throw await failed(deps, 'session_not_live', result.user.id, meta)
      }
      return issue(deps, result.session, result.user, successor, requested, meta, false)
    case 'replayed': {
      const earlier = openSuccessor(token, result.sealedSuccessor)
      if (!isLive(result.session, result.user, now) || !earlier) throw await failed(deps, 'session_not_live', result.user.id, meta)
      // The successor may itself have been rotated within the grace (a third tab): follow it.
      const next = await deps.store.findSessionByRefreshHash(hashRefreshToken(earlier))
      if (next?.spent) {
        if (depth >= MAX_REPLAY_CHAIN) throw await failed(deps, 'replay_chain_too_long', result.user.id, meta)
        return rotate(deps, earlier, requested, meta, depth + 1)
      }
      return issue(deps, result.session, result.user, earlier, requested, meta, true)
    }
  }
}

async function issue(deps: GrantDeps, session: Session, user: User, refreshToken: string, requested: string[], meta: ClientMeta, replay: boolean) {
  const scopes = grantScopes(requested, sessionScopes(deps, session, user))
  if (!scopes) throw invalidScope(requested.join(' '))
  await deps.events.record({
    type: replay ? 'refresh.replayed' : 'token.refreshed',
    actorId: user.id,
    subjectId: user.id,
    meta,
    details: { session_id: session.id },
  })
  return issueTokens(deps, user, { id: session.id, scope: scopes.join(' '), amr: session.amr, clientId: session.clientId }, refreshToken)
}

/** A session keeps at most its original scope, less what the user's roles (at the session's strength) no longer allow. */
const sessionScopes = (deps: GrantDeps, session: Session, user: User) =>
  heldScopes(deps.config.roleScopes, session.scope, effectiveRoles(user.roles, session.amr, deps.config.mfaRequiredRoles))

async function failed(deps: GrantDeps, reason: string, userId: string | null, meta: ClientMeta) {
  await deps.events.record({ type: 'refresh.failed', subjectId: userId, meta, details: { reason } })
  return invalidRefreshToken()
}
