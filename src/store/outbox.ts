/**
 * The mail outbox: a message is stored (in the same transaction as the token it carries) before
 * the request that caused it is answered, and a background sender delivers it, so an SMTP outage
 * delays mail but loses none. Rows are deleted once sent: a stored message holds a live token.
 */

export interface NewOutboxMessage {
  id: string
  /** 'mail' (the default): a message to send. Otherwise a request the sender hands to its handler (e.g. 'reset_request'). */
  kind?: string
  /** The request's data (kind <> 'mail'). */
  data?: string | null
  /** null: nothing to send (a request about an unknown address does the same write, then nothing). */
  to: string | null
  subject: string
  text: string
  html: string
  createdAt: Date
}

export interface OutboxMessage extends NewOutboxMessage {
  /** Who holds the lease: marking it sent or failed needs this, so a sender whose lease ran out cannot touch a row someone else claimed since. */
  claimId: string
  kind: string
  data: string | null
  attempts: number
}

export interface OutboxStore {
  /** Stores a message for the sender. */
  enqueueMail(m: NewOutboxMessage): Promise<void>
  /**
   * Stores a background job: `kind` names its handler (registered where the server is wired),
   * `payload` is its data. It rides the same durable queue (leases, retries, once-only across
   * workers) but carries no message: the handler decides what, if anything, is sent.
   */
  enqueueJob(job: { id: string; kind: string; payload: string; createdAt: Date }): Promise<void>
  /**
   * Claims up to `limit` messages due at `now` for `leaseSeconds`, atomically: concurrent claimers
   * (other workers, other instances) never get the same message while its lease runs.
   */
  claimMail(now: Date, limit: number, leaseSeconds: number): Promise<OutboxMessage[]>
  /** Sent (or given up): the message (and the token text in it) is deleted, if `claimId` still holds it. */
  markMailSent(id: string, claimId: string): Promise<void>
  /** Not sent: tried again at `retryAt`, if `claimId` still holds it. */
  markMailFailed(id: string, claimId: string, retryAt: Date, error: string): Promise<void>
  /** Retention: deletes whatever was queued before `before` (never sent in time). @returns how many. */
  purgeOutbox(before: Date): Promise<number>
}
