import { invalidAuthorizationCode, invalidClient, invalidRequest, unauthorizedClient } from '../../errors.js'
import type { ClientMeta } from '../../events/events.js'
import { authenticateClient } from '../../oidc/client-auth.js'
import { hashAuthorizationCode, looksLikeAuthorizationCode } from '../../oidc/codes.js'
import { issueIdToken } from '../../oidc/issue-id-token.js'
import { pkceMatches } from '../../oidc/pkce.js'
import type { AuthorizationCode, Client, NewSession, User } from '../../store/store.js'
import { hashRefreshToken, newRefreshToken } from '../../tokens/refresh-token.js'
import { issueTokens, type TokenResponse } from '../issue-tokens.js'
import { isLive } from '../liveness.js'
import type { Grant, GrantDeps } from './grant.js'

/**
 * RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.6) and OpenID Connect Core §3.1.3: a code from
 * /authorize -> a new session issued to the client, an access token, an ID token (scope openid)
 * and a refresh token (the client's refresh_token grant and offline_access granted).
 *
 * Every mismatch (another client's code, another redirect_uri, a wrong verifier, an expired code,
 * a session signed out since) is the same `invalid_grant`, and leaves the code as it was: only
 * the code's own client, with its verifier, can spend it. A code spent before is a replay: the
 * session it opened ends (RFC 6749 §4.1.2, RFC 9700 §4.2.4).
 */
export const authorizationCodeGrant: Grant = {
  grantType: 'authorization_code',
  // OAuth errors, not the tutorial's 422, for what is missing: the handler answers each (RFC 6749 §5.2).
  parameters: { required: [], optional: ['code', 'redirect_uri', 'code_verifier', 'client_id', 'client_secret'] },
  client: true,
  async handler(deps, params, meta, creds) {
    if (creds === null) throw invalidClient()
    const client = await authenticateClient(deps, creds, meta)
    if (!client.grantTypes.includes('authorization_code')) throw unauthorizedClient()
    const { code, redirect_uri: redirectUri, code_verifier: verifier } = params
    if (code === undefined || redirectUri === undefined) throw invalidRequest('code and redirect_uri are required')
    if (!looksLikeAuthorizationCode(code)) throw invalidAuthorizationCode()
    const hash = hashAuthorizationCode(code)
    const found = await deps.store.findAuthorizationCode(hash)
    if (!found || found.clientId !== client.id) throw invalidAuthorizationCode()
    // A missing verifier is a wrong one: every code was issued with a challenge (no PKCE downgrade).
    if (found.redirectUri !== redirectUri || verifier === undefined || !pkceMatches(verifier, found.codeChallenge)) throw invalidAuthorizationCode()
    const now = deps.clock()
    // Bound to the browser session that approved it: signed out since, no tokens. (A spent code
    // goes on to the redeem, which ends what it issued, whatever became of that browser session.)
    const browser = await deps.store.findSessionWithUser(found.browserSessionId)
    const live = browser !== null && isLive(browser.session, browser.user, now)
    if (found.consumedAt === null && (!live || found.expiresAt <= now)) throw invalidAuthorizationCode()
    const scopes = found.scope.split(' ')
    const refreshable = client.grantTypes.includes('refresh_token') && scopes.includes('offline_access')
    const refreshToken = newRefreshToken()
    const { refreshTokenTtlSeconds, sessionIdleTtlSeconds } = deps.config
    const session: NewSession = {
      id: found.sessionId,
      userId: found.userId,
      scope: found.scope,
      // A session without offline_access still needs a secret's hash: this one is handed to no one.
      refreshHash: hashRefreshToken(refreshable ? refreshToken : newRefreshToken()),
      createdAt: now,
      expiresAt: new Date(now.getTime() + refreshTokenTtlSeconds * 1000),
      idleExpiresAt: new Date(now.getTime() + Math.min(sessionIdleTtlSeconds, refreshTokenTtlSeconds) * 1000),
      userAgent: meta.userAgent?.slice(0, 512) ?? null,
      ip: meta.ip,
      amr: found.amr,
      authTime: found.authTime,
      clientId: client.id,
    }
    const event = {
      type: 'login.succeeded',
      actorId: found.userId,
      subjectId: found.userId,
      meta,
      details: { session_id: session.id, scope: found.scope, method: 'authorization_code', client_id: client.id },
    } as const
    // Signed before the code is spent: a signing failure (no key, the store away) leaves the code
    // unspent, so the client's retry is not taken for a replay that ends the session.
    const tokens =
      browser && found.consumedAt === null
        ? await tokensFor(deps, { client, found, user: browser.user, scopes, refreshToken: refreshable ? refreshToken : null })
        : null
    const result = await deps.store.redeemAuthorizationCode(hash, now, session, deps.events.auditRows(event))
    if (result.status === 'replayed') return replayedResult(deps, found, result, meta)
    // Redeemed: the code was unspent, so its browser session was live above.
    if (result.status === 'invalid' || !tokens) throw invalidAuthorizationCode()
    deps.events.recorded(event)
    return tokens
  },
}

async function tokensFor(
  deps: GrantDeps,
  f: { client: Client; found: AuthorizationCode; user: User; scopes: string[]; refreshToken: string | null },
): Promise<TokenResponse> {
  const { client, found, user, scopes } = f
  const tokens = await issueTokens(deps, user, { id: found.sessionId, scope: found.scope, amr: found.amr, clientId: client.id }, f.refreshToken)
  if (!scopes.includes('openid')) return tokens
  const idToken = await issueIdToken(deps, {
    user,
    client,
    scopes,
    nonce: found.nonce,
    authTime: found.authTime,
    amr: found.amr,
    browserSessionId: found.browserSessionId,
  })
  return { ...tokens, id_token: idToken }
}

async function replayedResult(deps: GrantDeps, found: AuthorizationCode, result: { sessionId: string; ended: boolean }, meta: ClientMeta): Promise<never> {
  await deps.events.record({
    // Audited when it ended something; later replays of the same code only count (no row each).
    type: result.ended ? 'code.replayed' : 'code.replay_refused',
    subjectId: found.userId,
    meta,
    details: { client_id: found.clientId, session_id: result.sessionId, session_ended: result.ended },
  })
  throw invalidAuthorizationCode()
}
