import { grantScopes, parseScope, scopesForRoles } from '../../accounts/scopes.js'
import { normalizeUsername, usernameKey } from '../../accounts/username.js'
import { emailNotVerified, inactiveUser, invalidCredentials, invalidScope } from '../../errors.js'
import type { ClientMeta } from '../../events/events.js'
import { newId } from '../../lib/ids.js'
import { hashRefreshToken, newRefreshToken } from '../../tokens/refresh-token.js'
import { issueTokens } from '../issue-tokens.js'
import { accountKey, assertLoginAllowed, loginFailed, loginSucceeded, oneCheckAtATime } from '../login-throttle.js'
import type { Grant, GrantDeps, GrantParams } from './grant.js'

type Failure = 'unknown_user' | 'wrong_password' | 'inactive' | 'invalid_scope' | 'email_not_verified'

/**
 * RFC 6749 §4.3: username + password -> a new session and its tokens.
 * Unknown user and wrong password are indistinguishable: same error, and a dummy verify so the
 * timing matches too. Account state (disabled, scope) is only revealed after the right password.
 */
export const passwordGrant: Grant = {
  grantType: 'password',
  parameters: { required: ['username', 'password'], optional: ['scope'] },
  async handler(deps, params, meta) {
    const account = accountKey(params.username!)
    return oneCheckAtATime(deps, account, async () => {
      // Before any hash: a backing-off account answers 429 whatever the password, known or not.
      await assertLoginAllowed(deps, account, meta)
      return checkPassword(deps, params, meta, account)
    })
  },
}

async function checkPassword(deps: GrantDeps, params: GrantParams, meta: ClientMeta, account: string) {
  const password = params.password!
  const name = normalizeUsername(params.username!)
  const user = name ? await deps.store.findUserForLogin(usernameKey(name)) : null
  // The name is recorded only when it is an account's: an unknown "username" may be a password
  // typed into the wrong field, and the audit log keeps everything for good.
  const failed = (reason: Failure, subjectId: string | null) =>
    deps.events.record({ type: 'login.failed', subjectId, meta, details: subjectId ? { reason, username: user!.username } : { reason } })
  // One call for both cases: the same hashing work, and failures padded alike (no timing oracle).
  const { ok, needsRehash } = await deps.hasher.verifyLogin(user?.passwordHash ?? null, password, meta.signal)
  if (!user) {
    await failed('unknown_user', null)
    await loginFailed(deps, account, null, meta)
    throw invalidCredentials()
  }
  if (!ok) {
    await failed('wrong_password', user.id)
    await loginFailed(deps, account, user.id, meta)
    throw invalidCredentials()
  }
  await loginSucceeded(deps, account, meta)
  if (user.disabled) {
    await failed('inactive', user.id)
    throw inactiveUser()
  }
  // EMAIL_VERIFICATION=required: only after the right password, so it reveals nothing to a guesser.
  if (deps.config.emailVerification === 'required' && user.email !== null && !user.emailVerified) {
    await failed('email_not_verified', user.id)
    throw emailNotVerified()
  }
  const requested = parseScope(params.scope)
  const scopes = requested && grantScopes(requested, scopesForRoles(deps.config.roleScopes, user.roles))
  if (!scopes) {
    await failed('invalid_scope', user.id)
    throw invalidScope(params.scope ?? '')
  }
  if (needsRehash) await upgradeHash(deps, user, password)
  return openSession(deps, user, scopes, meta)
}

/** passlib's deprecated="auto": a legacy or weaker hash is replaced while we hold the password. */
async function upgradeHash(deps: GrantDeps, user: { id: string; passwordHash: string }, password: string): Promise<void> {
  const upgraded = await deps.hasher.hash(password)
  await deps.store.updatePasswordHash(user.id, user.passwordHash, upgraded, deps.clock())
}

async function openSession(deps: GrantDeps, user: { id: string; username: string }, scopes: string[], meta: ClientMeta) {
  const now = deps.clock()
  const refreshToken = newRefreshToken()
  const { refreshTokenTtlSeconds, sessionIdleTtlSeconds } = deps.config
  const session = await deps.store.createSession({
    id: newId(),
    userId: user.id,
    scope: scopes.join(' '),
    refreshHash: hashRefreshToken(refreshToken),
    createdAt: now,
    expiresAt: new Date(now.getTime() + refreshTokenTtlSeconds * 1000),
    idleExpiresAt: new Date(now.getTime() + Math.min(sessionIdleTtlSeconds, refreshTokenTtlSeconds) * 1000),
    userAgent: meta.userAgent?.slice(0, 512) ?? null,
    ip: meta.ip,
  })
  await deps.events.record({ type: 'login.succeeded', actorId: user.id, subjectId: user.id, meta, details: { session_id: session.id, scope: session.scope } })
  return issueTokens(deps, user, session, refreshToken)
}
