import { createRemoteJWKSet, jwtVerify } from 'jose'
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
}

/**
 * For your other services: verifies Gatehouse access tokens offline against its JWKS. Keys are
 * cached, and an unknown `kid` triggers one re-fetch (rate-limited), so a rotation that publishes
 * keys before they sign never trips a consumer. Offline verification cannot see logout or
 * revocation before `exp`: for that, call a route guarded by Gatehouse's `requireUser`.
 * @returns a function resolving to the claims, rejecting on any invalid token.
 */
export function createRemoteVerifier(opts: RemoteVerifierOptions): (token: string) => Promise<AccessClaims> {
  const url = new URL(opts.jwksUrl ?? `${opts.issuer.replace(/\/$/, '')}/.well-known/jwks.json`)
  const jwks = createRemoteJWKSet(url, { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 })
  const options = {
    issuer: opts.issuer,
    audience: opts.audience,
    algorithms: [opts.algorithm ?? 'EdDSA'],
    typ: 'at+jwt',
    clockTolerance: opts.leewaySeconds ?? 5,
    requiredClaims: ['iss', 'aud', 'sub', 'exp', 'iat', 'jti', 'sid'],
  }
  return async (token) => (await jwtVerify(token, jwks, options)).payload as unknown as AccessClaims
}
