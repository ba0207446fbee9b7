import { OIDC_SCOPES, parseScope } from '../../accounts/scopes.js'
import { invalidClient, invalidScope, unauthorizedClient } from '../../errors.js'
import { newId } from '../../lib/ids.js'
import { authenticateClient } from '../../oidc/client-auth.js'
import { signAccessToken } from '../../tokens/access-token.js'
import type { Grant } from './grant.js'

/**
 * RFC 6749 §4.4: a confidential client allowed this grant gets an access token for itself: `sub`
 * and `client_id` are its id (RFC 9068 §2.2), no session, no refresh token, no ID token. The
 * scopes about a person (openid, profile, email, offline_access, user) have no person here: refused.
 * Nothing here touches a password hash: the secret's check is one HMAC (oidc/client-secret.ts).
 */
export const clientCredentialsGrant: Grant = {
  grantType: 'client_credentials',
  parameters: { required: [], optional: ['scope', 'client_id', 'client_secret'] },
  client: true,
  async handler(deps, params, meta, creds) {
    if (creds === null || creds.secret === null) throw invalidClient()
    const client = await authenticateClient(deps, creds, meta)
    if (!client.confidential || !client.grantTypes.includes('client_credentials')) throw unauthorizedClient()
    const requested = parseScope(params.scope)
    // Nor `user` ("act as the signed-in user"): there is no signed-in user.
    const own = client.scopes.filter((s) => !OIDC_SCOPES.includes(s) && s !== 'user')
    if (!requested || requested.some((s) => !own.includes(s))) throw invalidScope(params.scope ?? '')
    const scope = (requested.length > 0 ? requested : own).join(' ')
    const now = deps.clock()
    const access = await signAccessToken(deps.keys, deps.tokens, { sub: client.id, client_id: client.id, scope, jti: newId(), amr: [] }, now)
    await deps.events.record({ type: 'client.token_issued', meta, details: { client_id: client.id, scope } })
    return { access_token: access, token_type: 'bearer', expires_in: deps.tokens.ttlSeconds, scope }
  },
}
