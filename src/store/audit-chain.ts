import { createHash } from 'node:crypto'
import type { AuditEvent, NewAuditEvent } from './audit.js'

/** The hash a chain starts from: the first event's `prevHash`. */
export const GENESIS_HASH = '0'.repeat(64)

/** JSON with object keys sorted at every depth, so equal details always hash alike. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  )
}

type Hashed = Pick<AuditEvent, 'id' | 'type' | 'at' | 'actorId' | 'subjectId' | 'ip' | 'userAgent' | 'detailsJson' | 'prevHash'>

/**
 * SHA-256 over the previous hash and every stored field of the event (times in epoch ms), so an
 * edited field, a renumbered row or a broken link all change some hash.
 */
export function eventHash(e: Hashed): string {
  const content = JSON.stringify([e.id, e.at.getTime(), e.type, e.actorId, e.subjectId, e.ip, e.userAgent, e.detailsJson])
  return createHash('sha256').update(`${e.prevHash}\n${content}`).digest('hex')
}

/** Builds the row to append after `head` (null for the first event). */
export function chainEvent(head: { id: number; hash: string } | null, e: NewAuditEvent): AuditEvent {
  const row = {
    id: (head?.id ?? 0) + 1,
    type: e.type,
    at: e.at,
    actorId: e.actorId,
    subjectId: e.subjectId,
    ip: e.ip,
    userAgent: e.userAgent,
    detailsJson: canonicalJson(e.details),
    prevHash: head?.hash ?? GENESIS_HASH,
  }
  return { ...row, hash: eventHash(row) }
}

export type ChainBreak = { id: number; reason: string }

/**
 * Checks one event against the one before it (null for the first).
 * @returns why the chain breaks at `e`, or null when it holds there.
 */
export function checkLink(prev: { id: number; hash: string } | null, e: AuditEvent): string | null {
  const expectedId = (prev?.id ?? 0) + 1
  if (e.id !== expectedId) return e.id > expectedId ? `events ${expectedId}..${e.id - 1} are missing (deleted)` : 'event number out of order (inserted)'
  if (e.prevHash !== (prev?.hash ?? GENESIS_HASH)) return 'does not link to the event before it (that event was edited, or events were deleted or inserted)'
  if (eventHash(e) !== e.hash) return 'its content does not match its hash (edited)'
  return null
}
