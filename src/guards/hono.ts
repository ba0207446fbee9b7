import type { Context, MiddlewareHandler } from 'hono'
import type { Principal, Requirement, TokenVerifier } from './principal.js'
import { assertRequirement, verifyRequest } from './verify-request.js'

/** Hono's context variables a guard sets: type your app `new Hono<GatehouseEnv>()`. */
export type GatehouseEnv = { Variables: { principal: Principal } }

/** A guard as Hono middleware: `c.get('principal')`, or 401/403/503 as Gatehouse documents. */
export function honoGuard(verifier: TokenVerifier, need: Requirement = {}): MiddlewareHandler<GatehouseEnv> {
  assertRequirement(need)
  return async (c, next) => {
    const verdict = await verifyRequest(verifier, c.req.raw.headers, need)
    if (!verdict.ok) return c.json(verdict.body, verdict.status as 401, verdict.headers)
    c.set('principal', verdict.principal)
    await next()
  }
}

/** The guards for one verifier: `app.get('/notes', guards.requireUser(), handler)`. */
export function honoGuards(verifier: TokenVerifier) {
  return {
    requireUser: () => honoGuard(verifier),
    requireScope: (...scopes: string[]) => honoGuard(verifier, { scopes }),
    requireAmr: (...methods: string[]) => honoGuard(verifier, { amr: methods }),
  }
}

/** The principal a guard set. @throws when the route has no guard (a wiring mistake). */
export function principalOf(c: Context<GatehouseEnv>): Principal {
  const p = c.get('principal')
  if (!p) throw new Error('principalOf: this route has no Gatehouse guard')
  return p
}
