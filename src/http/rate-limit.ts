import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify'
import type { Deps } from '../deps.js'
import { tooManyRequests } from '../errors.js'
import type { RateRule } from '../rate-limit/limiter.js'

/** Per-client-address budgets. Generous for people, tight for scripts; RATE_LIMIT=off disables them. */
export const RULES = {
  token: { name: 'token-ip', limit: 60, windowSeconds: 60 },
  register: { name: 'register-ip', limit: 30, windowSeconds: 60 },
  revoke: { name: 'revoke-ip', limit: 60, windowSeconds: 60 },
  /** Endpoints that re-check the current password (change it, delete the account): per user, from any address. */
  reauth: { name: 'reauth-user', limit: 10, windowSeconds: 900 },
} satisfies Record<string, RateRule>

/** The client's address: the default key of a rule. */
const byAddress = (request: FastifyRequest) => request.ip

/**
 * A preHandler that spends one hit of `rule` for `key(request)` (the client's address unless
 * given), or answers 429 + Retry-After.
 */
export function limit(deps: Pick<Deps, 'limiter' | 'clock'>, rule: RateRule, key: (request: FastifyRequest) => string = byAddress): preHandlerAsyncHookHandler {
  return async function rateLimit(request: FastifyRequest) {
    const result = await deps.limiter.consume(key(request), rule, deps.clock())
    if (!result.allowed) throw tooManyRequests(result.retryAfterSeconds)
  }
}
