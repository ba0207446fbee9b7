import { jwtVerify, SignJWT, type JWTPayload } from 'jose'
import { LRUCache } from 'lru-cache'
import type { KeyRing } from './keys.js'
import { describeRefusal, type Refusal } from './refusal.js'

/** RFC 9068 claims of a Gatehouse access token. */
export interface AccessClaims {
  iss: string
  aud: string
  sub: string
  username: string
  scope: string
  iat: number
  exp: number
  jti: string
  sid: string
  client_id: string
  /** RFC 8176 methods the session was signed in with; kept across refreshes. */
  amr: readonly string[]
}

export interface AccessTokenSettings {
  issuer: string
  audience: string
  ttlSeconds: number
  leewaySeconds: number
}

/**
 * A user's token carries its session (`sid`) and username. A client_credentials token has neither:
 * it is the client's own (`sub` = `client_id`, RFC 9068 §2.2), so it can open no user route (the
 * guards require `sid`) and is checked by introspection against the client instead.
 */
export type AccessTokenInput = Pick<AccessClaims, 'sub' | 'scope' | 'jti' | 'client_id' | 'amr'> & { username?: string; sid?: string }

/** Signs an access token: header `{alg, kid, typ: "at+jwt"}` (RFC 9068 §2.1). */
export async function signAccessToken(keys: KeyRing, s: AccessTokenSettings, input: AccessTokenInput, now: Date): Promise<string> {
  let signer = keys.signing(now)
  if (!signer) {
    // Another process retired our signer (`keys rotate --now`): its successor is in the store.
    await keys.reload()
    signer = keys.signing(now)
    if (!signer) throw new Error('no signing key is active')
  }
  const { kid, key } = signer
  const iat = Math.floor(now.getTime() / 1000)
  const claims: Record<string, unknown> =
    input.sid === undefined
      ? { scope: input.scope, client_id: input.client_id }
      : { username: input.username, scope: input.scope, sid: input.sid, client_id: input.client_id, amr: [...input.amr] }
  return new SignJWT(claims)
    .setProtectedHeader({ alg: keys.alg, kid, typ: 'at+jwt' })
    .setIssuer(s.issuer)
    .setAudience(s.audience)
    .setSubject(input.sub)
    .setJti(input.jti)
    .setIssuedAt(iat)
    .setExpirationTime(iat + s.ttlSeconds)
    .sign(key)
}

/** Resolves the claims of a valid token (synchronously on a cache hit); throws or rejects otherwise. */
export type AccessTokenVerifier = (token: string, now: Date) => AccessClaims | Promise<AccessClaims>

/**
 * Builds the verifier. Only the configured algorithm is accepted, whatever the header says
 * (RFC 8725 §3.1); the key comes from our ring by `kid`, never from `jwk`/`jku`/`x5u` headers.
 * Checks typ, iss, aud, exp (with leeway), and requires sub, jti, sid.
 *
 * Verified tokens are remembered (bounded LRU) until their `exp`: an Ed25519 verify costs more
 * CPU than a whole bare request. The cache key is the exact token text, so any altered byte is a
 * miss and gets fully verified. Session and user state are NOT cached: callers check them per request.
 * `onRefused` hears of every refusal with a function that says why (called only if wanted: working
 * the reason out costs a decode, and the hot path of accepted tokens never pays it).
 * @throws when the token is invalid (any jose error, or a missing/mistyped claim).
 */
export function createAccessTokenVerifier(
  keys: KeyRing,
  s: AccessTokenSettings,
  o: { cacheSize?: number; onRefused?: (why: () => Refusal) => void } = {},
): AccessTokenVerifier {
  const cache = new LRUCache<string, { claims: AccessClaims; kid: string }>({ max: o.cacheSize ?? 10_000 })
  const options = {
    algorithms: [keys.alg],
    issuer: s.issuer,
    audience: s.audience,
    typ: 'at+jwt',
    clockTolerance: s.leewaySeconds,
    requiredClaims: ['iss', 'aud', 'sub', 'exp', 'iat', 'jti', 'sid'],
  }
  const refused = (err: unknown, token: string, now: Date): never => {
    o.onRefused?.(() => describeRefusal(err, token, { issuer: s.issuer, audience: s.audience, alg: keys.alg, leewaySeconds: s.leewaySeconds }, now))
    throw err
  }
  const verify = async (token: string, now: Date): Promise<AccessClaims> => {
    try {
      const { payload, protectedHeader } = await jwtVerify(
        token,
        async (header) => {
          // An unknown kid may be a key another process just rotated in: the ring reloads (rate-limited).
          const key = keys.verification(header.kid, now) ?? (await keys.resolveUnknown(header.kid, now))
          if (!key) throw new Error('unknown kid')
          return key
        },
        { ...options, currentDate: now },
      )
      const claims = toClaims(payload)
      cache.set(token, { claims, kid: protectedHeader.kid! })
      return claims
    } catch (err) {
      return refused(err, token, now)
    }
  }
  return (token, now) => {
    const hit = cache.get(token)
    if (!hit) return verify(token, now)
    // A key removed from the ring (revoked) or past its keep window takes its tokens with it, cached or not.
    if (hit.claims.exp + s.leewaySeconds > now.getTime() / 1000 && keys.verification(hit.kid, now)) return hit.claims
    cache.delete(token)
    return refused(new Error('token expired or its key is gone'), token, now)
  }
}

function toClaims(p: JWTPayload): AccessClaims {
  const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0
  if (!str(p.sub) || !str(p.jti) || !str(p.sid) || !str(p.iss) || typeof p.exp !== 'number' || typeof p.iat !== 'number') {
    throw new Error('missing claims')
  }
  return {
    iss: p.iss,
    aud: Array.isArray(p.aud) ? p.aud[0]! : (p.aud as string),
    sub: p.sub,
    username: typeof p.username === 'string' ? p.username : '',
    scope: typeof p.scope === 'string' ? p.scope : '',
    iat: p.iat,
    exp: p.exp,
    jti: p.jti,
    sid: p.sid,
    client_id: typeof p.client_id === 'string' ? p.client_id : '',
    amr: Object.freeze(Array.isArray(p.amr) ? p.amr.filter((m): m is string => typeof m === 'string') : []),
  }
}
