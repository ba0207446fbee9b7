import { grantScopes, parseScope, scopesForRoles } from '../accounts/scopes.js'
import { normalizeUsername, usernameKey } from '../accounts/username.js'
import type { Deps } from '../deps.js'
import { inactiveUser, invalidCredentials, invalidScope } from '../errors.js'
import { newId } from '../lib/ids.js'
import { hashRefreshToken, newRefreshToken } from '../tokens/refresh-token.js'
import { issueTokens, type TokenResponse } from './issue-tokens.js'

export interface PasswordGrantInput {
  username: string
  password: string
  scope?: string
  userAgent: string | null
  ip: string | null
}

type GrantDeps = Pick<Deps, 'store' | 'hasher' | 'keys' | 'tokens' | 'clock' | 'config' | 'metrics' | 'log'>

/**
 * RFC 6749 §4.3: username + password → a new session and its tokens.
 * Unknown user and wrong password are indistinguishable: same error, and a dummy verify so the
 * timing matches too. Account state (disabled, scope) is only revealed after the right password.
 */
export async function passwordGrant(deps: GrantDeps, input: PasswordGrantInput): Promise<TokenResponse> {
  const name = normalizeUsername(input.username)
  const user = name ? await deps.store.findUserForLogin(usernameKey(name)) : null
  if (!user) {
    await deps.hasher.dummyVerify(input.password)
    deps.metrics.logins.inc({ outcome: 'invalid_credentials' })
    throw invalidCredentials()
  }
  const { ok, needsRehash } = await deps.hasher.verify(user.passwordHash, input.password)
  if (!ok) {
    deps.metrics.logins.inc({ outcome: 'invalid_credentials' })
    throw invalidCredentials()
  }
  if (user.disabled) {
    deps.metrics.logins.inc({ outcome: 'inactive' })
    throw inactiveUser()
  }
  const requested = parseScope(input.scope)
  const scopes = requested && grantScopes(requested, scopesForRoles(user.roles))
  if (!scopes) {
    deps.metrics.logins.inc({ outcome: 'invalid_scope' })
    throw invalidScope(input.scope ?? '')
  }
  if (needsRehash) {
    // passlib's deprecated="auto": a legacy or weaker hash is replaced while we hold the password.
    const upgraded = await deps.hasher.hash(input.password)
    if (await deps.store.updatePasswordHash(user.id, user.passwordHash, upgraded, deps.clock())) {
      deps.log.info({ userId: user.id }, 'password hash upgraded to argon2id')
    }
  }

  const now = deps.clock()
  const refreshToken = newRefreshToken()
  const session = await deps.store.createSession({
    id: newId(),
    userId: user.id,
    scope: scopes.join(' '),
    refreshHash: hashRefreshToken(refreshToken),
    createdAt: now,
    expiresAt: new Date(now.getTime() + deps.config.refreshTokenTtlSeconds * 1000),
    idleExpiresAt: new Date(now.getTime() + Math.min(deps.config.sessionIdleTtlSeconds, deps.config.refreshTokenTtlSeconds) * 1000),
    userAgent: input.userAgent?.slice(0, 512) ?? null,
    ip: input.ip,
  })
  deps.metrics.logins.inc({ outcome: 'success' })
  return issueTokens(deps, user, session, refreshToken)
}
