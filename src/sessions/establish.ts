import { effectiveRoles, grantScopes, mustEnrolMfa, parseScope, scopesForRoles } from '../accounts/scopes.js'
import type { Authenticated } from '../authn/authenticate.js'
import type { Deps } from '../deps/types.js'
import { invalidScope } from '../errors.js'
import { type ClientMeta, recordWith } from '../events/events.js'
import { newId } from '../lib/ids.js'
import type { Session } from '../store/store.js'
import { hashRefreshToken, newRefreshToken } from '../tokens/refresh-token.js'
import { issueTokens, type TokenResponse } from './issue-tokens.js'

type EstablishDeps = Pick<Deps, 'store' | 'keys' | 'tokens' | 'clock' | 'config' | 'events'>

/**
 * The only place a sign-in becomes a session: an `Authenticated` from authn/ (never a username
 * and password) -> a session with its refresh family, `amr` and `auth_time`, and its first tokens.
 * Scopes: what was asked for, within what the user's roles grant to a session of this strength.
 * @throws DomainError invalid_scope.
 */
export async function establishApiSession(deps: EstablishDeps, authn: Authenticated, scope: string | undefined, meta: ClientMeta): Promise<TokenResponse> {
  const { user } = authn
  const roles = effectiveRoles(user.roles, authn.amr, deps.config.mfaRequiredRoles)
  const requested = parseScope(scope)
  const scopes = requested && grantScopes(requested, scopesForRoles(deps.config.roleScopes, roles))
  if (!scopes) {
    await deps.events.record({ type: 'login.failed', subjectId: user.id, meta, details: { reason: 'invalid_scope', username: user.username } })
    throw invalidScope(scope ?? '')
  }
  const refreshToken = newRefreshToken()
  const session = await openSession(deps, authn, scopes, hashRefreshToken(refreshToken), meta)
  const tokens = await issueTokens(deps, user, session, refreshToken)
  // MFA_REQUIRED_ROLES: told to enrol; the role's scopes wait until they sign in with the factor.
  return mustEnrolMfa(user, deps.config.mfaRequiredRoles) ? { ...tokens, mfa_enrollment_required: true } : tokens
}

/**
 * A new session row for `authn`, with its login.succeeded event in the same transaction. The
 * secret's hash is what later finds it: a refresh token's for an API session, a browser cookie's
 * (hashed apart, see browser-session.ts) for a page sign-in. Both are the same kind of row, so
 * both show in the session list and end the same ways.
 */
export async function openSession(
  deps: Pick<Deps, 'store' | 'clock' | 'config' | 'events'>,
  authn: Authenticated,
  scopes: readonly string[],
  secretHash: string,
  meta: ClientMeta,
  channel?: 'browser',
): Promise<Session> {
  const { user } = authn
  const now = deps.clock()
  const { refreshTokenTtlSeconds, sessionIdleTtlSeconds } = deps.config
  const id = newId()
  const details: Record<string, unknown> = { session_id: id, scope: scopes.join(' '), method: authn.method }
  if (channel) details.channel = channel
  const event = { type: 'login.succeeded', actorId: user.id, subjectId: user.id, meta, details } as const
  const newSession = {
    id,
    userId: user.id,
    scope: scopes.join(' '),
    refreshHash: secretHash,
    createdAt: now,
    expiresAt: new Date(now.getTime() + refreshTokenTtlSeconds * 1000),
    idleExpiresAt: new Date(now.getTime() + Math.min(sessionIdleTtlSeconds, refreshTokenTtlSeconds) * 1000),
    userAgent: meta.userAgent?.slice(0, 512) ?? null,
    ip: meta.ip,
    amr: [...authn.amr],
    authTime: authn.authTime,
  }
  return recordWith(
    deps.events,
    event,
    (audit) => deps.store.createSession(newSession, audit),
    () => true,
  )
}
