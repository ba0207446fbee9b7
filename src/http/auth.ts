import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify'
import { heldScopes } from '../accounts/scopes.js'
import type { Deps } from '../deps.js'
import { couldNotValidate, insufficientScope, notAuthenticated } from '../errors.js'
import type { ClientMeta } from '../events/events.js'
import { isLive } from '../sessions/liveness.js'
import type { User } from '../store/store.js'
import type { AccessClaims } from '../tokens/access-token.js'

/** Who made the request, once a guard has let it through. */
export interface AuthContext {
  user: User
  claims: AccessClaims
  sessionId: string
  scopes: string[]
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `requireUser`/`requireScope`; null on unguarded routes. Read it with `currentAuth`. */
    auth: AuthContext | null
  }
}

type GuardDeps = Pick<Deps, 'store' | 'verifyAccessToken' | 'clock' | 'config'>

// RFC 6750 §2.1: "Bearer" (any case), one space, a b64token. Nothing else counts as credentials.
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i

/**
 * Authenticates a request from its Authorization header only. Tokens in the query string or
 * body are ignored (RFC 6750 §2.3 and RFC 9700 §4.3.2 advise against them).
 * @throws HttpError 401 `Not authenticated` without bearer credentials, 401 `Could not validate
 * credentials` for any token that fails: signature, claims, ended or expired session, gone or
 * disabled user.
 */
export async function authenticate(deps: GuardDeps, request: FastifyRequest): Promise<AuthContext> {
  const header = request.headers.authorization
  if (typeof header !== 'string' || !/^bearer /i.test(header)) throw notAuthenticated()
  const token = BEARER.exec(header)?.[1]
  if (!token) throw couldNotValidate()
  const now = deps.clock()
  let claims: AccessClaims
  try {
    const verified = deps.verifyAccessToken(token, now)
    // A cache hit comes back synchronously: no await, no extra microtask on the hot path.
    claims = verified instanceof Promise ? await verified : verified
  } catch {
    throw couldNotValidate()
  }
  // The signature says who; the store says whether that is still true. Checked on every request,
  // so logout, revocation, deletion and disabling take effect at once.
  const found = await deps.store.findSessionWithUser(claims.sid)
  if (!found || found.session.userId !== claims.sub || !isLive(found.session, found.user, now)) throw couldNotValidate()
  const { session, user } = found
  // The token's scopes as of issue, less what the user's roles grant now: a demoted admin's
  // unexpired token stops opening admin routes on the next request.
  return { user, claims, sessionId: session.id, scopes: heldScopes(deps.config.roleScopes, claims.scope, user.roles) }
}

/** Guard for routes that need a signed-in user: the analog of FastAPI's `Depends(get_current_user)`. */
export function requireUser(deps: GuardDeps): preHandlerAsyncHookHandler {
  return async function requireUserGuard(request: FastifyRequest) {
    request.auth = await authenticate(deps, request)
  }
}

/** Guard for routes that need every one of `scopes`: 401 without a valid token, 403 without the scope. */
export function requireScope(deps: GuardDeps, ...scopes: string[]): preHandlerAsyncHookHandler {
  return async function requireScopeGuard(request: FastifyRequest, _reply: FastifyReply) {
    const auth = await authenticate(deps, request)
    if (!scopes.every((s) => auth.scopes.includes(s))) throw insufficientScope(scopes)
    request.auth = auth
  }
}

/** The guarded request's identity. @throws when the route has no guard (a wiring mistake, so a 500). */
export function currentAuth(request: FastifyRequest): AuthContext {
  if (!request.auth) throw new Error(`route ${request.routeOptions.url} read currentAuth without a guard`)
  return request.auth
}

/** The caller's address and user agent, for events and the session list. */
export function clientMeta(request: FastifyRequest): ClientMeta {
  const ua = request.headers['user-agent']
  return { ip: request.ip, userAgent: typeof ua === 'string' ? ua.slice(0, 512) : null }
}
