import type { Session, User } from '../store/store.js'

/**
 * THE definition of a live session; the guard, the refresh grant and the session lists ask this
 * and nothing else. (Ending a session needs no such test: ending an expired one changes nothing.) Live: not ended, before its absolute and idle ends, and its user still
 * exists (the caller passes the user it found) and is enabled.
 */
export function isLive(session: Session, user: User, now: Date): boolean {
  const t = now.getTime()
  return session.endedAt === null && session.userId === user.id && !user.disabled && t < session.expiresAt.getTime() && t < session.idleExpiresAt.getTime()
}
