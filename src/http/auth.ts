import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { heldScopes } from '../accounts/scopes.js'
import type { Deps } from '../deps.js'
import { couldNotValidate, insufficientScope, notAuthenticated } from '../errors.js'
import type { ClientMeta } from '../events/events.js'
import { isLive } from '../sessions/liveness.js'
import type { Session, User } from '../store/store.js'
import type { AccessClaims } from '../tokens/access-token.js'

/** Who made the request, once a guard has let it through. */
export interface AuthContext {
  user: User
  claims: AccessClaims
  sessionId: string
  scopes: readonly string[]
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

type Found = { session: Session; user: User }
type Hook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void

// One entry per (cached, frozen) user object: the scope intersection is computed once, not per request.
const scopeMemo = new WeakMap<User, { scope: string; scopes: readonly string[] }>()

function currentScopes(deps: GuardDeps, scope: string, user: User): readonly string[] {
  const memo = scopeMemo.get(user)
  if (memo?.scope === scope) return memo.scopes
  // The token's scopes as of issue, less what the user's roles grant now: a demoted admin's
  // unexpired token stops opening admin routes on the next request.
  const scopes = Object.freeze(heldScopes(deps.config.roleScopes, scope, user.roles))
  if (Object.isFrozen(user)) scopeMemo.set(user, { scope, scopes })
  return scopes
}

function accept(deps: GuardDeps, claims: AccessClaims, found: Found | null, now: Date): AuthContext {
  // The signature says who; the store says whether that is still true. Checked on every request,
  // so logout, revocation, deletion, disabling and idle expiry take effect at once.
  if (!found || found.session.userId !== claims.sub || !isLive(found.session, found.user, now)) throw couldNotValidate()
  return { user: found.user, claims, sessionId: found.session.id, scopes: currentScopes(deps, claims.scope, found.user) }
}

/**
 * As `authenticate`, but synchronous when the token was verified before and its session is in the
 * store's cache (the common case): no promise and no microtask on the hot path.
 */
function authenticateNow(deps: GuardDeps, request: FastifyRequest): AuthContext | Promise<AuthContext> {
  const header = request.headers.authorization
  if (typeof header !== 'string' || !/^bearer /i.test(header)) throw notAuthenticated()
  const token = BEARER.exec(header)?.[1]
  if (!token) throw couldNotValidate()
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
    return deps.store.findSessionWithUser(claims.sid).then((found) => accept(deps, claims, found, now))
  }
  if (verified instanceof Promise) {
    return verified.then(withSession, () => {
      throw couldNotValidate()
    })
  }
  return withSession(verified)
}

/**
 * Authenticates a request from its Authorization header only. Tokens in the query string or
 * body are ignored (RFC 6750 §2.3 and RFC 9700 §4.3.2 advise against them).
 * @throws HttpError 401 `Not authenticated` without bearer credentials, 401 `Could not validate
 * credentials` for any token that fails: signature, claims, ended, expired or idle session, gone or
 * disabled user.
 */
export async function authenticate(deps: GuardDeps, request: FastifyRequest): Promise<AuthContext> {
  return authenticateNow(deps, request)
}

/** Runs `check` on the request's identity as a callback-style hook, completing synchronously when it can. */
function guard(deps: GuardDeps, check: (auth: AuthContext) => void): Hook {
  return (request, _reply, done) => {
    let result: AuthContext | Promise<AuthContext>
    try {
      result = authenticateNow(deps, request)
    } catch (err) {
      return done(err as Error)
    }
    const admit = (auth: AuthContext) => {
      try {
        check(auth)
      } catch (err) {
        return done(err as Error)
      }
      request.auth = auth
      done()
    }
    if (result instanceof Promise) result.then(admit, done)
    else admit(result)
  }
}

/** Guard for routes that need a signed-in user: the analog of FastAPI's `Depends(get_current_user)`. */
export function requireUser(deps: GuardDeps): Hook {
  return guard(deps, () => {})
}

/** Guard for routes that need every one of `scopes`: 401 without a valid token, 403 without the scope. */
export function requireScope(deps: GuardDeps, ...scopes: string[]): Hook {
  return guard(deps, (auth) => {
    if (!scopes.every((s) => auth.scopes.includes(s))) throw insufficientScope(scopes)
  })
}

/** The guarded request's identity. @throws when the route has no guard (a wiring mistake, so a 500). */
export function currentAuth(request: FastifyRequest): AuthContext {
  if (!request.auth) throw new Error(`route ${request.routeOptions.url} read currentAuth without a guard`)
  return request.auth
}

/** The caller's address and user agent, for events and the session list. */
export function clientMeta(request: FastifyRequest): ClientMeta {
  const ua = request.headers['user-agent']
  const meta: ClientMeta = { ip: request.ip, userAgent: typeof ua === 'string' ? ua.slice(0, 512) : null }
  if (request.abortSignal) meta.signal = request.abortSignal
  return meta
}
