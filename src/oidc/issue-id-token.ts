import type { Deps } from '../deps/types.js'
import type { Client, User } from '../store/store.js'
import { type IdTokenInput, idTokenKeyRing, signIdToken } from '../tokens/id-token.js'
import { scopedClaims } from './claims.js'

/** What an ID token says about one sign-in (OpenID Connect Core §2): bound to the code it came from. */
export interface IdTokenFacts {
  user: Pick<User, 'id' | 'username' | 'email' | 'emailVerified'>
  client: Pick<Client, 'id' | 'idTokenSignedResponseAlg'>
  scopes: readonly string[]
  nonce: string | null
  authTime: Date
  amr: readonly string[]
  /** The browser session the person approved in (`sid`, for RP-Initiated Logout). */
  browserSessionId: string
}

/**
 * Signs the ID token with the client's registered algorithm, RS256 by default (Core §15.1 requires
 * every provider to offer it). A registered algorithm no longer published (JWT_ALG changed since)
 * falls back to RS256, which every client must accept, rather than failing the sign-in.
 */
export async function issueIdToken(deps: Pick<Deps, 'keys' | 'idTokenKeys' | 'tokens' | 'clock'>, f: IdTokenFacts): Promise<string> {
  const ring = idTokenKeyRing(deps, f.client.idTokenSignedResponseAlg ?? 'RS256') ?? deps.idTokenKeys
  const { sub: _sub, ...released } = scopedClaims(f.user, f.scopes)
  const extra = released as NonNullable<IdTokenInput['extra']>
  return signIdToken(
    ring,
    { issuer: deps.tokens.issuer, ttlSeconds: deps.tokens.ttlSeconds },
    { sub: f.user.id, aud: f.client.id, azp: f.client.id, authTime: f.authTime, nonce: f.nonce, amr: f.amr, sid: f.browserSessionId, extra },
    deps.clock(),
  )
}
