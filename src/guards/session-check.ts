import { effectiveRoles, heldScopes } from '../accounts/scopes.js'
import type { Deps } from '../deps/types.js'
import { couldNotValidate, storageUnavailable } from '../errors.js'
import { isLive } from '../sessions/liveness.js'
import { StoreUnavailableError } from '../store/changes.js'
import type { Session, User } from '../store/store.js'
import type { AccessClaims } from '../tokens/access-token.js'
import type { Principal, TokenVerifier } from './principal.js'

/** Who made the request, once a guard has let it through (the embedded guards' richer principal). */
export interface AuthContext {
  user: User
  claims: AccessClaims
  sessionId: string
  scopes: readonly string[]
  /**
   * How and when the session's user last authenticated, from the session row (kept across
   * refreshes): what a step-up check reads (a fresh sign-in, or one with `mfa`), never the client.
   */
  session: Readonly<Pick<Session, 'authTime' | 'amr'>>
}

export type SessionCheckDeps = Pick<Deps, 'store' | 'verifyAccessToken' | 'clock' | 'config'>

type Found = { session: Session; user: User }

// One entry per (cached, frozen) user object: the scope intersection is computed once, not per request.
const scopeMemo = new WeakMap<User, { scope: string; amr: readonly string[]; scopes: readonly string[] }>()

function currentScopes(deps: SessionCheckDeps, claims: AccessClaims, user: User): readonly string[] {
  const memo = scopeMemo.get(user)
  if (memo?.scope === claims.scope && memo.amr === claims.amr) return memo.scopes
  // The token's scopes as of issue, less what the user's roles grant now (at the strength its
  // session signed in with: MFA_REQUIRED_ROLES): a demoted admin's unexpired token stops opening
  // admin routes on the next request.
  const roles = effectiveRoles(user.roles, claims.amr, deps.config.mfaRequiredRoles)
  const scopes = Object.freeze(heldScopes(deps.config.roleScopes, claims.scope, roles))
  if (Object.isFrozen(user)) scopeMemo.set(user, { scope: claims.scope, amr: claims.amr, scopes })
  return scopes
}

function accept(deps: SessionCheckDeps, claims: AccessClaims, found: Found | null, now: Date): AuthContext {
  // The signature says who; the store says whether that is still true. Checked on every request,
  // so logout, revocation, deletion, disabling and idle expiry take effect at once.
  if (!found || found.session.userId !== claims.sub || !isLive(found.session, found.user, now)) throw couldNotValidate()
  const { authTime, amr } = found.session
  return { user: found.user, claims, sessionId: found.session.id, scopes: currentScopes(deps, claims, found.user), session: { authTime, amr } }
}

const storeDown = (err: unknown): never => {
  throw err instanceof StoreUnavailableError ? storageUnavailable() : err
}

/**
 * Verifies an access token and its session against the store. Synchronous when the token was
 * verified before and its session is in the store's cache (the common case): no promise and no
 * microtask on the hot path.
 * @throws DomainError `invalid_token` for any token that fails: signature, claims, ended, expired
 * or idle session, gone or disabled user; `storage_unavailable` when the store cannot answer.
 */
export function checkAccessToken(deps: SessionCheckDeps, token: string): AuthContext | Promise<AuthContext> {
  const now = deps.clock()
  let verified: AccessClaims | Promise<AccessClaims>
  try {
    verified = deps.verifyAccessToken(token, now)
  } catch {
    throw couldNotValidate()
  }
  const withSession = (claims: AccessClaims): AuthContext | Promise<AuthContext> => {
    const cached = deps.store.peekSessionWithUser(claims.sid)
    if (cached !== undefined) return accept(deps, claims, cached, now)
    return deps.store.findSessionWithUser(claims.sid).then((found) => accept(deps, claims, found, now), storeDown)
  }
  if (verified instanceof Promise) {
    return verified.then(withSession, () => {
      throw couldNotValidate()
    })
  }
  return withSession(verified)
}

export function toPrincipal(auth: AuthContext): Principal {
  return {
    userId: auth.user.id,
    username: auth.user.username,
    sessionId: auth.sessionId,
    scopes: auth.scopes,
    amr: auth.claims.amr,
    claims: auth.claims,
  }
}

/**
 * The embedded verifier: the same check as Gatehouse's own routes (signature, then the session
 * and user in the store), so a logout or a demotion takes effect on the next request. For routes
 * in another framework in the same process, or a service on the same database.
 */
export function createEmbeddedVerifier(deps: SessionCheckDeps): TokenVerifier {
  return {
    async verify(token) {
      return toPrincipal(await checkAccessToken(deps, token))
    },
  }
}
