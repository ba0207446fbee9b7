/** The audit log: append-only, each row chained to the one before by hash (see audit-chain.ts). */

export interface NewAuditEvent {
  type: string
  at: Date
  actorId: string | null
  subjectId: string | null
  ip: string | null
  userAgent: string | null
  details: Record<string, unknown>
}

export interface AuditEvent extends Omit<NewAuditEvent, 'details'> {
  /** 1, 2, 3, ... with no gaps: a missing number is a deleted row. */
  id: number
  /** Canonical JSON of the details, exactly as hashed. */
  detailsJson: string
  prevHash: string
  hash: string
}

export interface AuditQuery {
  /** Events whose actor or subject is this user. */
  userId?: string
  type?: string
  since?: Date
  until?: Date
  /** Only events with a smaller id (the paging cursor: newest first). */
  beforeId?: number
  limit: number
}

export interface AuditStore {
  /** Appends one event after the current head, atomically (concurrent appends never fork the chain). */
  appendAuditEvent(e: NewAuditEvent): Promise<AuditEvent>
  /** Events matching `q`, newest first. */
  listAuditEvents(q: AuditQuery): Promise<AuditEvent[]>
  /** Events in id order from `afterId` on, at most `limit`: for walking the whole chain. */
  scanAuditEvents(afterId: number, limit: number): Promise<AuditEvent[]>
}
