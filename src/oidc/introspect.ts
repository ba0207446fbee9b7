import { decodeJwt, jwtVerify } from 'jose'
import type { Deps } from '../deps/types.js'
import { checkAccessToken } from '../guards/session-check.js'
import { isLive } from '../sessions/liveness.js'
import type { Client } from '../store/store.js'
import { hashRefreshToken, looksLikeRefreshToken } from '../tokens/refresh-token.js'

type IntrospectDeps = Pick<Deps, 'store' | 'keys' | 'tokens' | 'verifyAccessToken' | 'clock' | 'config'>

/** RFC 7662 §2.2. Only `active` when the token is not. */
export type Introspection =
  | { active: false }
  | {
      active: true
      sub: string
      client_id: string
      scope: string
      exp: number
      iat: number
      iss: string
      username?: string
      token_type: 'Bearer' | 'refresh_token'
      aud?: string
      sid?: string
    }

const INACTIVE = { active: false } as const
const seconds = (d: Date) => Math.floor(d.getTime() / 1000)

/**
 * What `caller` (an authenticated confidential client) may learn about `token`. Any access token
 * Gatehouse issued: a resource server introspects the tokens of the apps that call it. A refresh
 * token only for the client it was issued to (RFC 7662 §4: a refresh token is that client's
 * secret). Ended, expired, unknown, foreign: `{"active": false}`, with nothing to tell them apart.
 * `hint` only orders the look-ups (RFC 7662 §2.1).
 */
export async function introspect(deps: IntrospectDeps, caller: Client, token: string, hint: string | undefined): Promise<Introspection> {
  const asRefresh = () => refreshIntrospection(deps, caller, token)
  const asAccess = () => accessIntrospection(deps, token)
  const first = hint === 'refresh_token' ? await asRefresh() : await asAccess()
  if (first.active) return first
  return hint === 'refresh_token' ? asAccess() : asRefresh()
}

async function accessIntrospection(deps: IntrospectDeps, token: string): Promise<Introspection> {
  if (token.length > 8192 || token.split('.').length !== 3) return INACTIVE
  let sid: unknown
  try {
    sid = decodeJwt(token).sid
  } catch {
    return INACTIVE
  }
  // No session: a client_credentials token (whether it verifies is checked there).
  if (sid === undefined) return clientTokenIntrospection(deps, token)
  try {
    // A user's token: the guard's own check (signature, claims, and its session live now).
    const auth = await checkAccessToken(deps, token)
    const c = auth.claims
    return {
      active: true,
      sub: c.sub,
      client_id: c.client_id,
      scope: auth.scopes.join(' '),
      exp: c.exp,
      iat: c.iat,
      iss: c.iss,
      username: auth.user.username,
      token_type: 'Bearer',
      aud: c.aud,
      sid: c.sid,
    }
  } catch {
    return INACTIVE
  }
}

/** A client_credentials token (no session): active while it verifies and its client may still use that grant. */
async function clientTokenIntrospection(deps: IntrospectDeps, token: string): Promise<Introspection> {
  const now = deps.clock()
  try {
    const { payload } = await jwtVerify(
      token,
      async (header) => {
        // A key rotated in by another instance verifies at once (the ring reloads, rate-limited).
        const key = deps.keys.verification(header.kid, now) ?? (await deps.keys.resolveUnknown(header.kid, now))
        if (!key) throw new Error('unknown kid')
        return key
      },
      {
        algorithms: [deps.keys.alg],
        issuer: deps.tokens.issuer,
        audience: deps.tokens.audience,
        typ: 'at+jwt',
        clockTolerance: deps.tokens.leewaySeconds,
        currentDate: now,
        requiredClaims: ['sub', 'client_id', 'exp', 'iat', 'jti'],
      },
    )
    if (payload.sid !== undefined || payload.sub !== payload.client_id || typeof payload.sub !== 'string') return INACTIVE
    const client = await deps.store.findClient(payload.sub)
    if (!client?.grantTypes.includes('client_credentials')) return INACTIVE
    return {
      active: true,
      sub: payload.sub,
      client_id: payload.sub,
      scope: typeof payload.scope === 'string' ? payload.scope : '',
      exp: payload.exp!,
      iat: payload.iat!,
      iss: deps.tokens.issuer,
      token_type: 'Bearer',
      aud: deps.tokens.audience,
    }
  } catch {
    return INACTIVE
  }
}

async function refreshIntrospection(deps: IntrospectDeps, caller: Client, token: string): Promise<Introspection> {
  if (!looksLikeRefreshToken(token)) return INACTIVE
  const found = await deps.store.findSessionByRefreshHash(hashRefreshToken(token))
  const now = deps.clock()
  if (!found || found.spent || !isLive(found.session, found.user, now) || found.session.clientId !== caller.id) return INACTIVE
  const { session, user } = found
  const end = Math.min(session.idleExpiresAt.getTime(), session.expiresAt.getTime())
  return {
    active: true,
    sub: user.id,
    client_id: caller.id,
    scope: session.scope,
    exp: Math.floor(end / 1000),
    iat: seconds(session.createdAt),
    iss: deps.tokens.issuer,
    username: user.username,
    token_type: 'refresh_token',
  }
}
