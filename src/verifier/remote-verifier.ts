import { createRemoteJWKSet, errors as joseErrors, jwtVerify } from 'jose'
import { couldNotValidate, keysUnavailable } from '../errors.js'
import type { Principal, TokenVerifier } from '../guards/principal.js'
import type { AccessClaims } from '../tokens/access-token.js'

export interface RemoteVerifierOptions {
  /** Gatehouse's ISSUER: tokens must carry exactly this `iss`. */
  issuer: string
  /** Gatehouse's AUDIENCE: tokens must carry this `aud`. */
  audience: string
  /** Where the keys are; defaults to `${issuer}/.well-known/jwks.json`. */
  jwksUrl?: string
  /** Gatehouse's JWT_ALG. Pinned here, never taken from a token's header (RFC 8725 §3.1). */
  algorithm?: 'EdDSA' | 'ES256' | 'RS256'
  /** Clock skew tolerated on `exp`, in seconds. */
  leewaySeconds?: number
  /**
   * Told why a token was refused (expired, wrong `iss`/`aud`, unknown `kid` ...), never the token:
   * pass your logger's debug, so a misconfigured ISSUER is one log line away, not a mystery.
   */
  onRefused?: (reason: string) => void
}

export interface RemoteVerifier extends TokenVerifier {
  /** The verified claims, for callers that need no principal. Rejects like `verify`. */
  claims(token: string): Promise<AccessClaims>
}

/**
 * The JWKS could not be fetched (timeout, connection refused, a non-200 answer, not a key set):
 * Gatehouse is unreachable, so valid tokens are answered 503, not 401 (a 401 would send every
 * client back to /token at once, into the same outage).
 */
function keysUnreachable(err: unknown): boolean {
  if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid) return true
  if (err instanceof joseErrors.JOSEError && err.code === 'ERR_JOSE_GENERIC') return /JSON Web Key Set HTTP response/.test(err.message)
  // fetch() itself: connection refused, DNS, TLS.
  return err instanceof TypeError && /fetch failed/i.test(err.message)
}

const clip = (v: unknown) => {
  const text = JSON.stringify(v) ?? String(v)
  return text.length > 200 ? `${text.slice(0, 200)}…` : text
}

/** Why jose refused a token, in one line with no token in it. */
function reasonOf(err: unknown, opts: RemoteVerifierOptions): string {
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    // typ is a header parameter: jose reports it as a claim check, but the payload has none.
    if (err.claim === 'typ') return `${err.message}: expected "at+jwt" in the header (an ID token or another JWT?)`
    const received = (err.payload as Record<string, unknown>)[err.claim]
    const expected = err.claim === 'iss' ? opts.issuer : err.claim === 'aud' ? opts.audience : undefined
    return `${err.message}: ${err.claim} ${clip(received)}${expected === undefined ? '' : `, expected ${clip(expected)}`}`
  }
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'no key in the JWKS matches the token kid (a key from another issuer, or revoked)'
  if (err instanceof Error) return `${err.name}: ${err.message}`
  return String(err)
}

const isString = (v: unknown): v is string => typeof v === 'string'

/**
 * The claims as Gatehouse issues them, or null when one has another type: a guard never reads
 * `amr: "otp_mfa"` as a list (where `includes('otp')` would be a substring match) or an object as a
 * session id. Signed tokens only reach here, so this is defence in depth.
 */
function wellTyped(p: Record<string, unknown>): AccessClaims | null {
  const amr = p.amr === undefined ? [] : p.amr
  if (!Array.isArray(amr) || !amr.every(isString)) return null
  // As the embedded verifier: an empty subject, session or token id is no identity.
  for (const name of ['sub', 'sid', 'jti', 'iss'] as const) if (!isString(p[name]) || p[name] === '') return null
  for (const name of ['username', 'scope', 'client_id'] as const) if (p[name] !== undefined && !isString(p[name])) return null
  if (!isString(p.aud) && !(Array.isArray(p.aud) && p.aud.every(isString))) return null
  return Object.freeze({
    ...p,
    username: (p.username as string | undefined) ?? '',
    scope: (p.scope as string | undefined) ?? '',
    client_id: (p.client_id as string | undefined) ?? '',
    amr: Object.freeze([...amr]),
  }) as unknown as AccessClaims
}

/**
 * For your other services: verifies Gatehouse access tokens offline against its JWKS. Keys are
 * cached, and an unknown `kid` triggers one re-fetch (rate-limited), so a rotation that publishes
 * keys before they sign never trips a consumer.
 *
 * What it cannot see: a logout, a revocation, a disabled user or a demotion before the token's
 * `exp` (ACCESS_TOKEN_TTL, 30 minutes by default). Where that matters, keep the TTL short, or
 * check such routes with the embedded verifier (a service on the same database) or, once
 * Gatehouse serves it, token introspection (RFC 7662).
 */
export function createRemoteVerifier(opts: RemoteVerifierOptions): RemoteVerifier {
  const url = new URL(opts.jwksUrl ?? `${opts.issuer.replace(/\/$/, '')}/.well-known/jwks.json`)
  const jwks = createRemoteJWKSet(url, { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 })
  const options = {
    issuer: opts.issuer,
    audience: opts.audience,
    algorithms: [opts.algorithm ?? 'EdDSA'],
    // RFC 9068 §4: an access token says so in its header; an ID token or another JWT is refused.
    typ: 'at+jwt',
    clockTolerance: opts.leewaySeconds ?? 5,
    requiredClaims: ['iss', 'aud', 'sub', 'exp', 'iat', 'jti', 'sid'],
  }
  const claims = async (token: string): Promise<AccessClaims> => {
    let payload: Record<string, unknown>
    try {
      payload = (await jwtVerify(token, jwks, options)).payload
    } catch (err) {
      if (keysUnreachable(err)) {
        opts.onRefused?.(`the JWKS at ${url.href} could not be fetched: ${err instanceof Error ? err.message : String(err)}`)
        throw keysUnavailable()
      }
      opts.onRefused?.(reasonOf(err, opts))
      throw couldNotValidate()
    }
    const typed = wellTyped(payload)
    if (!typed) {
      opts.onRefused?.('a claim has the wrong type (sub, sid, jti, username, scope, client_id: strings; amr: strings)')
      throw couldNotValidate()
    }
    return typed
  }
  return {
    claims,
    async verify(token): Promise<Principal> {
      const c = await claims(token)
      return {
        userId: c.sub,
        username: c.username,
        sessionId: c.sid,
        scopes: Object.freeze(c.scope.split(' ').filter(Boolean)),
        amr: c.amr,
        claims: c,
      }
    },
  }
}
