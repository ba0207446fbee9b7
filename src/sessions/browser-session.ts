import { createHash } from 'node:crypto'
import { effectiveRoles, scopesForRoles } from '../accounts/scopes.js'
import type { Authenticated } from '../authn/authenticate.js'
import type { Deps } from '../deps/types.js'
import type { ClientMeta } from '../events/events.js'
import type { Session, User } from '../store/store.js'
import { looksLikeRefreshToken, newRefreshToken } from '../tokens/refresh-token.js'
import { openSession } from './establish.js'
import { isLive } from './liveness.js'

type BrowserDeps = Pick<Deps, 'store' | 'clock' | 'config' | 'events'>

/**
 * The browser's secret is hashed under its own label, so a session cookie presented as a
 * refresh token (or a refresh token as a cookie) finds nothing: the two secrets of the same kind
 * of row can never be swapped for one another.
 */
const hashBrowserSecret = (secret: string): string => createHash('sha256').update(`gatehouse browser session\0${secret}`).digest('base64url')

export interface BrowserSession {
  session: Session
  user: User
}

/**
 * A page sign-in becomes a session: the same row as an API session (listed, ended by logout,
 * password change, disabling, across instances), found by the cookie's secret instead of a refresh
 * token. It never rotates; it ends at its idle or absolute end, or when anything ends it.
 * @returns the cookie's value (256 random bits; only its hash is stored) and the session.
 */
export async function establishBrowserSession(deps: BrowserDeps, authn: Authenticated, meta: ClientMeta): Promise<{ secret: string; session: Session }> {
  const roles = effectiveRoles(authn.user.roles, authn.amr, deps.config.mfaRequiredRoles)
  const secret = newRefreshToken()
  const session = await openSession(deps, authn, scopesForRoles(deps.config.roleScopes, roles), hashBrowserSecret(secret), meta, 'browser')
  return { secret, session }
}

/** How often a browser session in use records it (each write also tells the other instances). */
const TOUCH_EVERY_MS = 60_000

/**
 * The live session a cookie's secret belongs to, or null (unknown, ended, expired, its user
 * disabled or gone). A session in use stays alive: at most once a minute, its last use is
 * recorded and its idle end moves on (as a refresh does for an API session), never past its
 * absolute end.
 */
export async function findBrowserSession(deps: Pick<Deps, 'store' | 'clock' | 'config'>, secret: string): Promise<BrowserSession | null> {
  if (!looksLikeRefreshToken(secret)) return null
  const found = await deps.store.findSessionByRefreshHash(hashBrowserSecret(secret))
  const now = deps.clock()
  if (!found || found.spent || !isLive(found.session, found.user, now)) return null
  const { session, user } = found
  if (now.getTime() - session.lastUsedAt.getTime() < TOUCH_EVERY_MS) return { session, user }
  const { sessionIdleTtlSeconds, refreshTokenTtlSeconds } = deps.config
  const idle = new Date(now.getTime() + Math.min(sessionIdleTtlSeconds, refreshTokenTtlSeconds) * 1000)
  await deps.store.touchSession(session.id, now, idle)
  const capped = idle > session.expiresAt ? session.expiresAt : idle
  return { session: { ...session, lastUsedAt: now, idleExpiresAt: capped }, user }
}
