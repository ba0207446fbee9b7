import type { Deps } from '../deps/types.js'
import { invalidField } from '../errors.js'
import { checkLink, GENESIS_HASH } from '../store/audit-chain.js'
import type { AuditEvent, AuditStore } from '../store/store.js'

export interface AuditEventView {
  id: number
  type: string
  at: string
  actor_id: string | null
  subject_id: string | null
  ip: string | null
  user_agent: string | null
  details: Record<string, unknown>
}

const toView = (e: AuditEvent): AuditEventView => ({
  id: e.id,
  type: e.type,
  at: e.at.toISOString(),
  actor_id: e.actorId,
  subject_id: e.subjectId,
  ip: e.ip,
  user_agent: e.userAgent,
  details: JSON.parse(e.detailsJson) as Record<string, unknown>,
})

const encodeCursor = (id: number) => Buffer.from(`a${id}`).toString('base64url')
function decodeCursor(cursor: string): number {
  const m = /^a([1-9][0-9]{0,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'))
  if (!m || encodeCursor(Number(m[1])) !== cursor) throw invalidField(['query', 'cursor'], 'Invalid cursor')
  return Number(m[1])
}

/** GET /admin/audit: one page, newest first; `next_cursor` continues below the last event shown. */
export async function listAuditPage(
  deps: Pick<Deps, 'store'>,
  q: { userId?: string; type?: string; since?: Date; until?: Date; limit: number; cursor?: string },
): Promise<{ events: AuditEventView[]; next_cursor: string | null }> {
  const beforeId = q.cursor ? decodeCursor(q.cursor) : undefined
  const rows = await deps.store.listAuditEvents({ userId: q.userId, type: q.type, since: q.since, until: q.until, beforeId, limit: q.limit + 1 })
  const page = rows.slice(0, q.limit)
  return { events: page.map(toView), next_cursor: rows.length > q.limit ? encodeCursor(page.at(-1)!.id) : null }
}

export type ChainReport = { ok: true; count: number; head: string } | { ok: false; count: number; brokenAt: number; reason: string }

/**
 * Walks the whole chain in id order, a page at a time. An edited row breaks its own hash (or, if
 * its hash was recomputed, the next row's link); a deleted or inserted row breaks the numbering
 * and the link. What this cannot see: the newest rows deleted, or the whole tail rewritten by
 * someone with write access. Compare `head` with a copy kept elsewhere for that.
 */
export async function verifyAuditChain(store: Pick<AuditStore, 'scanAuditEvents'>, pageSize = 1000): Promise<ChainReport> {
  let prev: { id: number; hash: string } | null = null
  let count = 0
  for (;;) {
    const page = await store.scanAuditEvents(prev?.id ?? 0, pageSize)
    for (const e of page) {
      const reason = checkLink(prev, e)
      if (reason) return { ok: false, count, brokenAt: e.id, reason }
      prev = { id: e.id, hash: e.hash }
      count++
    }
    if (page.length < pageSize) return { ok: true, count, head: prev?.hash ?? GENESIS_HASH }
  }
}
