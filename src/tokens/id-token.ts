import { compactVerify, SignJWT } from 'jose'
import type { Config, JwtAlg } from '../config.js'
import { type KeyRings, ringOfAlg, storedAlgs } from './key-rings.js'
import type { KeyRing } from './keys.js'

/** An algorithm ID tokens can be signed with: never HS256 (a client cannot hold JWT_SECRET). */
export type IdTokenAlg = Exclude<JwtAlg, 'HS256'>

export interface IdTokenSettings {
  issuer: string
  /** `exp` = `iat` + this. Callers pass the access-token TTL (`deps.tokens` fits this shape). */
  ttlSeconds: number
}

/** What the claims of an ID token are made of (OpenID Connect Core §2, §5.1). */
export interface IdTokenInput {
  /** The user's id, as the access token's `sub`. */
  sub: string
  /** The client id. */
  aud: string
  /** When the user authenticated (the browser session's sign-in): `auth_time`, in seconds. */
  authTime: Date
  /** Echoed when the authorization request sent one (Core §3.1.2.1); omitted otherwise. */
  nonce?: string | null
  /** RFC 8176 methods of that authentication. */
  amr: readonly string[]
  /** The browser session (RP-Initiated Logout and Front-/Back-Channel Logout `sid`). */
  sid: string
  /** Authorized party; defaults to `aud`. */
  azp?: string
  /** The claims the granted scopes release (`profile`, `email`), never a registered one. */
  extra?: { preferred_username?: string; email?: string; email_verified?: boolean }
}

/** What an `id_token_hint` of ours says (RP-Initiated Logout 1.0 §2). */
export interface IdTokenHint {
  sub: string
  /** The client it was issued to. */
  aud: string
  sid: string
}

/**
 * The algorithms a client may register as `id_token_signed_response_alg` and discovery lists in
 * `id_token_signing_alg_values_supported`: RS256 always (Core §15.1), first as the default, and
 * JWT_ALG when it is asymmetric (the access-token ring then signs those ID tokens).
 */
export function publishedIdTokenAlgs(deps: { config: Pick<Readonly<Config>, 'jwtAlg'> }): IdTokenAlg[] {
  const alg = deps.config.jwtAlg
  return alg === 'RS256' || alg === 'HS256' ? ['RS256'] : ['RS256', alg]
}

/** The ring that signs ID tokens with `alg` (a client's `id_token_signed_response_alg`), or null when it is not published. */
export function idTokenKeyRing(rings: KeyRings, alg: string): KeyRing | null {
  return alg === 'HS256' ? null : ringOfAlg(rings, alg)
}

/**
 * Signs an ID token with `ring`: header `{alg, kid, typ: "JWT"}`. The `typ` differs from the
 * access token's `at+jwt`, and the access-token verifier requires that one, so an ID token never
 * opens the API (RFC 9068 §4, RFC 8725 §3.11), even with JWT_ALG=RS256 where both share keys.
 * @throws with an HS256 ring, or when the ring has no active key even after a reload.
 */
export async function signIdToken(ring: KeyRing, s: IdTokenSettings, claims: IdTokenInput, now: Date): Promise<string> {
  if (ring.alg === 'HS256') throw new Error('ID tokens are never signed with a shared secret')
  let signer = ring.signing(now)
  if (!signer) {
    // Another process retired our signer (`keys rotate --now`): its successor is in the store.
    await ring.reload()
    signer = ring.signing(now)
    if (!signer) throw new Error('no signing key is active')
  }
  const iat = Math.floor(now.getTime() / 1000)
  const { preferred_username, email, email_verified } = claims.extra ?? {}
  // The released claims first, the registered ones after: neither can stand in for the other.
  const payload: Record<string, unknown> = {
    ...(preferred_username === undefined ? {} : { preferred_username }),
    ...(email === undefined ? {} : { email }),
    ...(email_verified === undefined ? {} : { email_verified }),
    auth_time: Math.floor(claims.authTime.getTime() / 1000),
    ...(claims.nonce ? { nonce: claims.nonce } : {}),
    amr: [...claims.amr],
    sid: claims.sid,
    azp: claims.azp ?? claims.aud,
  }
  return new SignJWT(payload)
    .setProtectedHeader({ alg: ring.alg, kid: signer.kid, typ: 'JWT' })
    .setIssuer(s.issuer)
    .setSubject(claims.sub)
    .setAudience(claims.aud)
    .setIssuedAt(iat)
    .setExpirationTime(iat + s.ttlSeconds)
    .sign(signer.key)
}

/**
 * Reads an `id_token_hint` for /end-session: an ID token we issued, signed by a key either ring
 * still publishes, whose `iss` is ours. `exp` is NOT enforced: an expired hint still says who is
 * signing out and from which client, and RP-Initiated Logout 1.0 §2 has the OP accept it past its
 * `exp` while the RP has (or recently had) a session; the key's keep window bounds how old it can be.
 * The algorithm is pinned to the published ones whatever the header says, and the key comes from
 * our rings by `kid`, never from `jwk`/`jku`/`x5u` (RFC 8725 §3.1, §3.10).
 * @returns what the hint names, or null for anything else (another issuer's, alg none, a key not
 * in the rings, an access token, a malformed one).
 */
export async function verifyIdTokenHint(rings: KeyRings, s: Pick<IdTokenSettings, 'issuer'>, token: string, now: Date): Promise<IdTokenHint | null> {
  try {
    const { payload, protectedHeader } = await compactVerify(
      token,
      async (header) => {
        const ring = typeof header.alg === 'string' ? idTokenKeyRing(rings, header.alg) : null
        // An unknown kid may be a key another process just rotated in: the ring reloads (rate-limited).
        const key = ring && (ring.verification(header.kid, now) ?? (await ring.resolveUnknown(header.kid, now)))
        if (!key) throw new Error('unknown kid')
        return key
      },
      { algorithms: storedAlgs(rings) },
    )
    if (typeof protectedHeader.typ !== 'string' || protectedHeader.typ.toLowerCase().replace(/^application\//, '') !== 'jwt') return null
    const claims = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>
    const aud = Array.isArray(claims.aud) && claims.aud.length === 1 ? claims.aud[0] : claims.aud
    const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0
    if (claims.iss !== s.issuer || !str(claims.sub) || !str(aud) || !str(claims.sid)) return null
    return { sub: claims.sub, aud, sid: claims.sid }
  } catch {
    return null
  }
}
