import type { Deps } from '../deps/types.js'
import { newId } from '../lib/ids.js'
import type { Session, User } from '../store/store.js'
import { signAccessToken } from '../tokens/access-token.js'

/** RFC 6749 §5.1 token response (OpenID Connect Core §3.1.3.3 adds `id_token`). */
export interface TokenResponse {
  access_token: string
  token_type: 'bearer'
  expires_in: number
  /** Absent where the client may not refresh (no refresh_token grant, or offline_access not granted) and for client_credentials. */
  refresh_token?: string
  scope: string
  id_token?: string
  /** MFA_REQUIRED_ROLES: the user holds such a role without a factor; its scopes wait until they enrol. */
  mfa_enrollment_required?: true
}

/** The client the tutorial's grants (password, MFA, passkey) issue to: Gatehouse's own first-party public client. */
export const CLIENT_ID = 'gatehouse'

/** Signs an access token for `session` and pairs it with the session's new refresh token (when there is one to hand out). */
export async function issueTokens(
  deps: Pick<Deps, 'keys' | 'tokens' | 'clock'>,
  user: Pick<User, 'id' | 'username'>,
  session: Pick<Session, 'id' | 'scope' | 'amr'> & { clientId?: string | null },
  refreshToken: string | null,
): Promise<TokenResponse> {
  const access = await signAccessToken(
    deps.keys,
    deps.tokens,
    {
      sub: user.id,
      username: user.username,
      scope: session.scope,
      jti: newId(),
      sid: session.id,
      client_id: session.clientId ?? CLIENT_ID,
      amr: session.amr,
    },
    deps.clock(),
  )
  // In the tutorial's order: access_token, token_type, expires_in, refresh_token, scope.
  const head = { access_token: access, token_type: 'bearer', expires_in: deps.tokens.ttlSeconds } as const
  return refreshToken === null ? { ...head, scope: session.scope } : { ...head, refresh_token: refreshToken, scope: session.scope }
}
