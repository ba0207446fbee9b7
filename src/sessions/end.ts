import type { Deps } from '../deps.js'
import { notFound } from '../errors.js'
import type { ClientMeta } from '../events/events.js'
import { hashRefreshToken, looksLikeRefreshToken } from '../tokens/refresh-token.js'

type EndDeps = Pick<Deps, 'store' | 'clock' | 'events'>

const ended = (deps: EndDeps, e: { actorId: string | null; subjectId: string; meta: ClientMeta; details: Record<string, unknown> }) =>
  deps.events.record({ type: 'session.ended', ...e })

/** POST /logout: ends the session the presented access token belongs to. */
export async function logout(deps: EndDeps, auth: { userId: string; sessionId: string }, meta: ClientMeta): Promise<void> {
  if (await deps.store.endSession(auth.sessionId, deps.clock())) {
    await ended(deps, { actorId: auth.userId, subjectId: auth.userId, meta, details: { session_id: auth.sessionId, reason: 'logout' } })
  }
}

/**
 * Ends one of the user's own sessions. @throws 404 when it is not theirs or not open: another
 * user's session id is "not found" too, so ids are not confirmed to strangers.
 */
export async function endOwnSession(deps: EndDeps, userId: string, sessionId: string, meta: ClientMeta): Promise<void> {
  const found = await deps.store.findSessionWithUser(sessionId)
  if (!found || found.session.userId !== userId || found.session.endedAt) throw notFound()
  if (await deps.store.endSession(sessionId, deps.clock())) {
    await ended(deps, { actorId: userId, subjectId: userId, meta, details: { session_id: sessionId, reason: 'ended_by_user' } })
  }
}

/**
 * Ends every open session of a user (but `exceptId`): password change, disabling, an admin's
 * revoke. Recorded when any ended, and always when `audited` (an admin's action is, even if it ended none).
 */
export async function endAllSessions(
  deps: EndDeps,
  userId: string,
  e: { actorId: string | null; meta: ClientMeta; reason: string; exceptId?: string; audited?: boolean },
): Promise<number> {
  const count = await deps.store.endSessionsForUser(userId, deps.clock(), e.exceptId)
  if (count > 0 || e.audited) await ended(deps, { actorId: e.actorId, subjectId: userId, meta: e.meta, details: { count, reason: e.reason } })
  return count
}

/**
 * RFC 7009: ends the session a token belongs to. A refresh token (current or already rotated)
 * or an access token is accepted; anything else is silently ignored, so the response never tells
 * a caller whether a token was valid (§2.2).
 */
export async function revokeToken(deps: EndDeps & Pick<Deps, 'verifyAccessToken'>, token: string, hint: string | undefined, meta: ClientMeta): Promise<void> {
  const now = deps.clock()
  const tryRefresh = async () => (looksLikeRefreshToken(token) ? deps.store.endSessionByRefreshHash(hashRefreshToken(token), now) : null)
  const tryAccess = async () => {
    try {
      const claims = await deps.verifyAccessToken(token, now)
      return (await deps.store.endSession(claims.sid, now)) ? { id: claims.sid, userId: claims.sub } : null
    } catch {
      return null
    }
  }
  // §2.1: the hint only orders the look-ups; a wrong hint still finds the token.
  const done = hint === 'access_token' ? ((await tryAccess()) ?? (await tryRefresh())) : ((await tryRefresh()) ?? (await tryAccess()))
  if (done) await ended(deps, { actorId: null, subjectId: done.userId, meta, details: { session_id: done.id, reason: 'revoked' } })
}
