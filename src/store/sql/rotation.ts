import type { RotateArgs, Session } from '../store.js'

/** The presented refresh token as stored. */
export interface StoredRefreshToken {
  usedAt: Date | null
  sealedSuccessor: string | null
}

export type RotationDecision =
  /** Unknown token, or its session has ended: change nothing. */
  | { action: 'gone' }
  /** Spent within the grace: hand back the successor sealed under it; change nothing. */
  | { action: 'replay'; sealedSuccessor: string }
  /** Spent before the grace (RFC 9700 §4.14.2: it leaked): end the whole session. */
  | { action: 'reuse' }
  /**
   * Unspent: mark it used (keeping `sealed`, null when no grace could ever open it), store the new
   * hash, drop seals of tokens used at or before `dropSealsUsedBy`, and move the idle end to `idleExpiresAt`.
   */
  | { action: 'rotate'; sealed: string | null; dropSealsUsedBy: Date; idleExpiresAt: Date }

/**
 * The refresh-rotation decision tree, without SQL: the sessions noun reads the token and its
 * session (locked) inside its transaction, asks this, and carries the answer out there.
 */
export function decideRotation(token: StoredRefreshToken | null, session: Session | null, a: RotateArgs): RotationDecision {
  if (!token || !session || session.endedAt) return { action: 'gone' }
  const graceMs = a.graceSeconds * 1000
  if (token.usedAt) {
    const withinGrace = a.now.getTime() - token.usedAt.getTime() < graceMs
    if (withinGrace && typeof token.sealedSuccessor === 'string') return { action: 'replay', sealedSuccessor: token.sealedSuccessor }
    return { action: 'reuse' }
  }
  return {
    action: 'rotate',
    // No grace, no seal: nothing could ever open it.
    sealed: a.graceSeconds > 0 ? a.sealedSuccessor : null,
    // Seals older than the grace can never be opened legitimately: dropped, so a copy of the
    // database and an old refresh token cannot walk the chain to the current one.
    dropSealsUsedBy: new Date(a.now.getTime() - graceMs),
    // Never past the absolute end.
    idleExpiresAt: new Date(Math.min(a.idleExpiresAt.getTime(), session.expiresAt.getTime())),
  }
}
