import type { IncomingHttpHeaders } from 'node:http'
import type { Principal, Requirement, TokenVerifier } from './principal.js'
import { assertRequirement, verifyRequest } from './verify-request.js'

// Structural types, so this adapter needs neither express nor @types/express to load or compile;
// Express 4 and 5 (and Connect-style frameworks) fit them.
interface RequestLike {
  headers: IncomingHttpHeaders
  principal?: Principal
}
interface ResponseLike {
  headersSent: boolean
  status(code: number): ResponseLike
  set(headers: Record<string, string>): ResponseLike
  json(body: unknown): unknown
}
type Next = (err?: unknown) => void
export type ExpressGuard = (req: RequestLike, res: ResponseLike, next: Next) => void

/** A guard as Express middleware: sets `req.principal`, or answers 401/403/503 as Gatehouse documents. */
export function expressGuard(verifier: TokenVerifier, need: Requirement = {}): ExpressGuard {
  assertRequirement(need)
  return (req, res, next) => {
    verifyRequest(verifier, req.headers, need)
      .then((verdict) => {
        if (verdict.ok) {
          req.principal = verdict.principal
          return next()
        }
        // Something before this guard (a timeout middleware) may have answered already.
        if (res.headersSent) return
        res.status(verdict.status).set(verdict.headers).json(verdict.body)
      })
      // Never an unhandled rejection (it would end the process): Express's error handling takes it.
      .catch(next)
  }
}

/** The guards for one verifier: `app.get('/notes', guards.requireUser(), handler)`. */
export function expressGuards(verifier: TokenVerifier) {
  return {
    requireUser: () => expressGuard(verifier),
    requireScope: (...scopes: string[]) => expressGuard(verifier, { scopes }),
    requireAmr: (...methods: string[]) => expressGuard(verifier, { amr: methods }),
  }
}

/** The principal a guard set on this request. @throws when the route has no guard (a wiring mistake). */
export function principalOf(req: object): Principal {
  const principal = (req as { principal?: Principal }).principal
  if (!principal) throw new Error('principalOf: this route has no Gatehouse guard')
  return principal
}
