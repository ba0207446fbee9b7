import { DomainError, couldNotValidate, insufficientAuthentication, insufficientScope, notAuthenticated } from '../errors.js'
import { toHttp } from '../http/http-errors.js'
import { bearerToken } from './bearer.js'
import type { Principal, Requirement, TokenVerifier } from './principal.js'

/** Node's `req.headers`, or a Fetch `Headers` (Hono, Bun, Deno, workers). */
export type RequestHeaders = { authorization?: string | string[] | undefined } | { get(name: string): string | null }

/** A guard's answer: let the request through with its principal, or send exactly this. */
export type Verdict =
  | { ok: true; principal: Principal }
  | {
      ok: false
      /** 401 (no or bad token, weak sign-in), 403 (missing scope), 503 (store unreachable). */
      status: number
      /** `WWW-Authenticate` (RFC 6750 §3, RFC 9470) and, on 503, `Retry-After`. */
      headers: Record<string, string>
      /** Gatehouse's documented body: `{"detail": ...}`, plus `error` where RFC 6750 names one. */
      body: Record<string, unknown>
      /** The stable code, for logs and tests. */
      code: string
    }

const AMBIGUOUS = Symbol('two Authorization headers')

function authorization(headers: RequestHeaders): string | null | typeof AMBIGUOUS {
  if ('get' in headers && typeof headers.get === 'function') return headers.get('authorization')
  const value = (headers as { authorization?: string | string[] }).authorization
  if (!Array.isArray(value)) return value ?? null
  // Two Authorization headers are ambiguous: refuse rather than pick one.
  return value.length === 1 ? (value[0] ?? null) : AMBIGUOUS
}

/**
 * Refuses, when a guard is built, a requirement that cannot mean what it says: `requireAmr()` with
 * no methods would admit every sign-in (a step-up list read from configuration that came out
 * empty), and `requireScope()` with none every signed-in user.
 * @throws TypeError
 */
export function assertRequirement(need: Requirement): Requirement {
  if (need.amr !== undefined && need.amr.length === 0) throw new TypeError('requireAmr needs at least one method (such as "mfa" or "otp")')
  if (need.scopes !== undefined && (need.scopes.length === 0 || need.scopes.some((s) => typeof s !== 'string' || s === ''))) {
    // requireScope() with none would admit any signed-in user: say requireUser() instead.
    throw new TypeError('requireScope needs at least one non-empty scope name (for any signed-in user, use requireUser)')
  }
  return need
}

/** The principal, or the DomainError a guard answers with. */
export async function checkRequest(verifier: TokenVerifier, headers: RequestHeaders, need: Requirement = {}): Promise<Principal> {
  const header = authorization(headers)
  if (header === AMBIGUOUS) throw couldNotValidate()
  const token = bearerToken(header)
  if (token === null) throw notAuthenticated()
  if (token === '') throw couldNotValidate()
  const principal = await verifier.verify(token)
  if (need.scopes && !need.scopes.every((s) => principal.scopes.includes(s))) throw insufficientScope([...need.scopes])
  if (need.amr && !need.amr.some((m) => principal.amr.includes(m))) throw insufficientAuthentication()
  return principal
}

/**
 * The framework-neutral guard: checks a request's bearer token (and what the route needs) and
 * says what to send when it fails, in the same shape Gatehouse's own routes answer. Never throws
 * for a bad request; an error the verifier does not classify is treated as an invalid token.
 */
export async function verifyRequest(verifier: TokenVerifier, headers: RequestHeaders, need: Requirement = {}): Promise<Verdict> {
  try {
    return { ok: true, principal: await checkRequest(verifier, headers, need) }
  } catch (err) {
    return refusal(err)
  }
}

/** The answer for a guard's error: a DomainError as documented; anything else as an invalid token. */
export function refusal(err: unknown): Extract<Verdict, { ok: false }> {
  const domain = err instanceof DomainError ? err : couldNotValidate()
  const http = toHttp(domain)
  return { ok: false, status: http.status, headers: http.opts.headers ?? {}, body: http.body(), code: domain.code }
}
