import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify'
import type { Deps } from '../deps/types.js'
import { tooManyRequests } from '../errors.js'
import { addressKey } from '../lib/client-address.js'
import type { RateRule } from '../rate-limit/limiter.js'

/** Per-client-address budgets. Generous for people, tight for scripts; RATE_LIMIT=off disables them. */
export const RULES = {
  token: { name: 'token-ip', limit: 60, windowSeconds: 60 },
  register: { name: 'register-ip', limit: 30, windowSeconds: 60 },
  revoke: { name: 'revoke-ip', limit: 60, windowSeconds: 60 },
  /** Changing the password or deleting the account: every request hashes, right password or not. */
  password: { name: 'password-ip', limit: 20, windowSeconds: 60 },
  passwordUser: { name: 'password-user', limit: 10, windowSeconds: 900 },
  /**
   * Asking for mail (verification, reset), per client address. Per target address, the services
   * spend MAIL_BUDGET (src/accounts/email.ts) when mail goes out, and answer the same past it.
   */
  mailIp: { name: 'mail-ip', limit: 10, windowSeconds: 60 },
  /** Verification messages per user: a resend now and then, never a flood. */
  mailUser: { name: 'mail-user', limit: 5, windowSeconds: 3600 },
  /** Presenting a token from a message, per client address. */
  mailToken: { name: 'mail-token-ip', limit: 30, windowSeconds: 60 },
} satisfies Record<string, RateRule>

/** The client's address (IPv6 by its /64): the default key of a rule. */
const byAddress = (request: FastifyRequest) => addressKey(request.ip)

/**
 * A preHandler that spends one hit of `rule` for `key(request)` (the client's address unless
 * given), or answers 429 + Retry-After. A key of null spends nothing (the rule does not apply).
 */
export function limit(
  deps: Pick<Deps, 'limiter' | 'clock'>,
  rule: RateRule,
  key: (request: FastifyRequest) => string | null = byAddress,
): preHandlerAsyncHookHandler {
  return async function rateLimit(request: FastifyRequest) {
    const k = key(request)
    if (k === null) return
    const result = await deps.limiter.consume(k, rule, deps.clock())
    if (!result.allowed) throw tooManyRequests(result.retryAfterSeconds)
  }
}
