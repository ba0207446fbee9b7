import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { ClientMeta } from '../events/events.js'
import { couldNotValidate, insufficientAuthentication, insufficientScope, notAuthenticated } from '../errors.js'
import { bearerToken } from '../guards/bearer.js'
import { CLIENT_ID } from '../sessions/issue-tokens.js'
import { assertRequirement } from '../guards/verify-request.js'
import { type AuthContext, checkAccessToken, type SessionCheckDeps } from '../guards/session-check.js'

export type { AuthContext }

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `requireUser`/`requireScope`; null on unguarded routes. Read it with `currentAuth`. */
    auth: AuthContext | null
  }
}

type GuardDeps = SessionCheckDeps
type Hook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void

function authenticateNow(deps: GuardDeps, request: FastifyRequest): AuthContext | Promise<AuthContext> {
  const token = bearerToken(request.headers.authorization)
  if (token === null) throw notAuthenticated()
  if (token === '') throw couldNotValidate()
  return checkAccessToken(deps, token)
}

/**
 * Authenticates a request from its Authorization header only. Tokens in the query string or
 * body are ignored (RFC 6750 §2.3 and RFC 9700 §4.3.2 advise against them).
 * @throws DomainError 401 `Not authenticated` without bearer credentials, 401 `Could not validate
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

/**
 * Guard for the routes that change or reveal a person's own account (email, password, factors,
 * passkeys, sessions, consents). The token API's and the pages' sessions may (they are the person
 * at Gatehouse itself); a session issued to an OpenID Connect client only with scope `user`, which
 * its consent page spells out: a third-party app allowed to "know who you are" must not add its own
 * passkey or end the person's other sessions. (GET /users/me and /userinfo need no more.)
 */
export function requireAccount(deps: GuardDeps): Hook {
  return guard(deps, (auth) => {
    if (auth.claims.client_id !== CLIENT_ID && !auth.scopes.includes('user')) throw insufficientScope(['user'])
  })
}

/** Guard for routes that need every one of `scopes`: 401 without a valid token, 403 without the scope. */
export function requireScope(deps: GuardDeps, ...scopes: string[]): Hook {
  assertRequirement({ scopes })
  return guard(deps, (auth) => {
    if (!scopes.every((s) => auth.scopes.includes(s))) throw insufficientScope(scopes)
  })
}

/**
 * Guard for sensitive routes that need the session to have been signed in with one of `methods`
 * (RFC 8176 `amr` values: `otp`, `mfa`, `hwk` ...): 401 without a valid token, 401
 * `insufficient_user_authentication` (RFC 9470) when the token's sign-in was weaker.
 */
export function requireAmr(deps: GuardDeps, ...methods: string[]): Hook {
  assertRequirement({ amr: methods })
  return guard(deps, (auth) => {
    if (!methods.some((m) => auth.claims.amr.includes(m))) throw insufficientAuthentication()
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
