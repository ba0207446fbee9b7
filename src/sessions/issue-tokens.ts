import type { Deps } from '../deps/types.js'
import { newId } from '../lib/ids.js'
import type { Session, User } from '../store/store.js'
import { signAccessToken } from '../tokens/access-token.js'

/** RFC 6749 §5.1 token response. */
export interface TokenResponse {
  access_token: string
  token_type: 'bearer'
  expires_in: number
  refresh_token: string
  scope: string
  /** MFA_REQUIRED_ROLES: the user holds such a role without a factor; its scopes wait until they enrol. */
  mfa_enrollment_required?: true
}

/** The client every token is issued to: Gatehouse has one first-party public client. */
export const CLIENT_ID = 'gatehouse'

/** Signs an access token for `session` and pairs it with the session's new refresh token. */
export async function issueTokens(
  deps: Pick<Deps, 'keys' | 'tokens' | 'clock'>,
  user: Pick<User, 'id' | 'username'>,
  session: Pick<Session, 'id' | 'scope' | 'amr'>,
  refreshToken: string,
): Promise<TokenResponse> {
  const access = await signAccessToken(
    deps.keys,
    deps.tokens,
    { sub: user.id, username: user.username, scope: session.scope, jti: newId(), sid: session.id, client_id: CLIENT_ID, amr: session.amr },
    deps.clock(),
  )
  return {
    access_token: access,
    token_type: 'bearer',
    expires_in: deps.tokens.ttlSeconds,
    refresh_token: refreshToken,
    scope: session.scope,
  }
}
