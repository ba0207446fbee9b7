import type { Deps } from '../deps/types.js'
import { notFound } from '../errors.js'
import { type ClientMeta, recordWith } from '../events/events.js'
import { hashRefreshToken, looksLikeRefreshToken } from '../tokens/refresh-token.js'
import { CLIENT_ID } from './issue-tokens.js'

type EndDeps = Pick<Deps, 'store' | 'clock' | 'events'>

type Ended = { actorId: string | null; subjectId: string; meta: ClientMeta; details: Record<string, unknown> }
const ended = (deps: EndDeps, e: Ended) => deps.events.record({ type: 'session.ended', ...e })
/** Ends one session with its audit row in the same transaction. */
const endAudited = (deps: EndDeps, sessionId: string, e: Ended) =>
  recordWith(deps.events, { type: 'session.ended', ...e }, (audit) => deps.store.endSession(sessionId, deps.clock(), audit), Boolean)

/** POST /logout: ends the session the presented access token belongs to. */
export async function logout(deps: EndDeps, auth: { userId: string; sessionId: string }, meta: ClientMeta): Promise<void> {
  await endAudited(deps, auth.sessionId, { actorId: auth.userId, subjectId: auth.userId, meta, details: { session_id: auth.sessionId, reason: 'logout' } })
}

/**
 * Ends one of the user's own sessions. @throws 404 when it is not theirs or not open: another
 * user's session id is "not found" too, so ids are not confirmed to strangers.
 */
export async function endOwnSession(deps: EndDeps, userId: string, sessionId: string, meta: ClientMeta): Promise<void> {
  const found = await deps.store.findSessionWithUser(sessionId)
  if (!found || found.session.userId !== userId || found.session.endedAt) throw notFound()
  await endAudited(deps, sessionId, { actorId: userId, subjectId: userId, meta, details: { session_id: sessionId, reason: 'ended_by_user' } })
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
  const now = deps.clock()
  const event = (count: number) => ({
    type: 'session.ended' as const,
    actorId: e.actorId,
    subjectId: userId,
    meta: e.meta,
    details: { count, reason: e.reason },
  })
  // The sessions end and their audit row (with how many ended) commit together.
  const count = await deps.store.endSessionsForUser(userId, now, e.exceptId, (n) => deps.events.auditRows(event(n)))
  if (count > 0) deps.events.recorded(event(count))
  else if (e.audited) await ended(deps, event(0))
  return count
}

/**
 * RFC 7009: ends the session a token belongs to. A refresh token (current or already rotated)
 * or an access token is accepted; anything else is silently ignored, so the response never tells
 * a caller whether a token was valid (§2.2). `client`: who asks (authenticated by the route), or
 * null (the token API's callers, who name no client). A token issued to a client is revoked only
 * by that client, and the tutorial's tokens only without one (§2.1: "the token was issued to the
 * client making the revocation request"); any other request is answered the same and changes nothing.
 */
export async function revokeToken(
  deps: EndDeps & Pick<Deps, 'verifyAccessToken'>,
  token: string,
  hint: string | undefined,
  meta: ClientMeta,
  client: { id: string } | null = null,
): Promise<void> {
  const now = deps.clock()
  const callerId = client?.id ?? null
  const tryRefresh = async () => {
    if (!looksLikeRefreshToken(token)) return null
    const hash = hashRefreshToken(token)
    const found = await deps.store.findSessionByRefreshHash(hash)
    if (!found || (found.session.clientId ?? null) !== callerId) return null
    return deps.store.endSessionByRefreshHash(hash, now)
  }
  const tryAccess = async () => {
    try {
      const claims = await deps.verifyAccessToken(token, now)
      if (claims.client_id !== (callerId ?? CLIENT_ID)) return null
      return (await deps.store.endSession(claims.sid, now)) ? { id: claims.sid, userId: claims.sub } : null
    } catch {
      return null
    }
  }
  // §2.1: the hint only orders the look-ups; a wrong hint still finds the token.
  const done = hint === 'access_token' ? ((await tryAccess()) ?? (await tryRefresh())) : ((await tryRefresh()) ?? (await tryAccess()))
  if (done) {
    const details: Record<string, unknown> = { session_id: done.id, reason: 'revoked' }
    if (callerId) details.client_id = callerId
    await ended(deps, { actorId: null, subjectId: done.userId, meta, details })
  }
}
