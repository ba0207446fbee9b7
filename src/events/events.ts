import type { Logger } from 'pino'
import type { Metrics } from '../metrics/metrics.js'
import type { AuditStore, NewAuditEvent } from '../store/store.js'

/** Who is asking, as far as the server can tell: recorded with every event. */
export interface ClientMeta {
  ip: string | null
  userAgent: string | null
  /** Set by the CLI only (never from a request), so the audit log can tell its changes from a client's. */
  via?: 'cli'
  /** Aborts when the client has gone: password hashing still queued for it is dropped. */
  signal?: AbortSignal
}

/** The CLI's own meta: no address; `via` marks its events in the audit log. */
export const CLI_META: ClientMeta = { ip: null, userAgent: 'gatehouse-cli', via: 'cli' }

/**
 * Every security outcome Gatehouse records, with whether it goes to the audit log and at which
 * log level. High-volume routine outcomes (a refresh, a bad refresh token) feed metrics and logs only.
 */
export const EVENT_TYPES = {
  'user.registered': { audit: true, level: 'info' },
  'user.created': { audit: true, level: 'info' },
  'user.updated': { audit: true, level: 'info' },
  'user.deleted': { audit: true, level: 'info' },
  'login.succeeded': { audit: true, level: 'info' },
  'login.failed': { audit: true, level: 'info' },
  'login.locked': { audit: true, level: 'warn' },
  // The right password of an account with MFA: the second step is due.
  'login.mfa_required': { audit: true, level: 'info' },
  'token.refreshed': { audit: false, level: 'debug' },
  // A spent token presented again within the grace: honest retries, or a thief inside the window.
  'refresh.replayed': { audit: true, level: 'info' },
  'refresh.failed': { audit: false, level: 'debug' },
  'refresh.reused': { audit: true, level: 'warn' },
  'session.ended': { audit: true, level: 'info' },
  'password.changed': { audit: true, level: 'info' },
  'password.reset': { audit: true, level: 'info' },
  'password.reset_requested': { audit: true, level: 'info' },
  'email.verified': { audit: true, level: 'info' },
  'email.verification_sent': { audit: true, level: 'info' },
  // Mail not sent because its address's budget is spent (a flood of sign-ups, resends or resets).
  'mail.suppressed': { audit: false, level: 'info' },
  'mfa.enabled': { audit: true, level: 'info' },
  'mfa.disabled': { audit: true, level: 'info' },
  'mfa.recovery_used': { audit: true, level: 'info' },
  'mfa.recovery_regenerated': { audit: true, level: 'info' },
  'mfa.reset': { audit: true, level: 'warn' },
  'passkey.added': { audit: true, level: 'info' },
  'passkey.renamed': { audit: true, level: 'info' },
  'passkey.removed': { audit: true, level: 'info' },
  // A verified assertion whose sign counter did not move forward: a cloned authenticator, or a replay.
  'passkey.counter_regressed': { audit: true, level: 'warn' },
  'user.unlocked': { audit: true, level: 'info' },
  'key.rotated': { audit: true, level: 'info' },
  'key.revoked': { audit: true, level: 'warn' },
  'client.created': { audit: true, level: 'info' },
  'client.updated': { audit: true, level: 'info' },
  'client.secret_rotated': { audit: true, level: 'info' },
  'client.deleted': { audit: true, level: 'info' },
  // A registered client's wrong or missing secret (counted against its back-off), and the back-off starting.
  'client.auth_failed': { audit: true, level: 'info' },
  'client.locked': { audit: true, level: 'warn' },
  // An unknown client id: counted too, but not audited (anyone can send any number of made-up ids).
  'client.unknown': { audit: false, level: 'debug' },
  'consent.granted': { audit: true, level: 'info' },
  'consent.revoked': { audit: true, level: 'info' },
  // RFC 6749 §4.1.2: a code presented twice; what it issued is revoked.
  'code.replayed': { audit: true, level: 'warn' },
  // The same code again, once its session has ended: nothing left to revoke, so no audit row (or one per replay would be written forever).
  'code.replay_refused': { audit: false, level: 'debug' },
  // client_credentials: one per call, so metrics and logs only (an audit row each would cap the grant at the disk's commit rate).
  'client.token_issued': { audit: false, level: 'debug' },
} as const satisfies Record<string, { audit: boolean; level: 'debug' | 'info' | 'warn' }>

export type EventType = keyof typeof EVENT_TYPES

export interface SecurityEvent {
  type: EventType
  /** The user who did it (null: the CLI, an anonymous client, or the system). */
  actorId?: string | null
  /** The user it was done to, when known. */
  subjectId?: string | null
  meta?: ClientMeta
  /** Small, non-secret facts: ids, reasons, changed field names. Never a password, token or hash. */
  details?: Record<string, unknown>
}

export interface Events {
  /**
   * Records one outcome: the audit log (durably, before this resolves), a metric and a log line.
   * Services call this once per outcome and never the three sinks themselves.
   */
  record(e: SecurityEvent): Promise<void>
  /**
   * For a change that the store writes together with its audit rows, in one transaction (so a
   * change is never committed without its record, nor a record without its change): the rows to
   * hand the store (none when the type is not audited). Call `recorded` once it has committed.
   */
  auditRows(e: SecurityEvent): NewAuditEvent[]
  /** The metric and log line of an event whose audit rows the store wrote. */
  recorded(e: SecurityEvent): void
}

export function createEvents(deps: { audit: AuditStore; log: Logger; metrics: Metrics; clock: () => Date }): Events {
  const details = (e: SecurityEvent) => (e.meta?.via ? { ...e.details, via: e.meta.via } : (e.details ?? {}))
  const observe = (e: SecurityEvent) => {
    deps.metrics.events.inc({ type: e.type })
    const level = EVENT_TYPES[e.type].level
    deps.log[level]({ event: e.type, actorId: e.actorId ?? null, subjectId: e.subjectId ?? null, ip: e.meta?.ip ?? null, ...details(e) }, e.type)
  }
  const rows = (e: SecurityEvent): NewAuditEvent[] =>
    EVENT_TYPES[e.type].audit
      ? [
          {
            type: e.type,
            at: deps.clock(),
            actorId: e.actorId ?? null,
            subjectId: e.subjectId ?? null,
            ip: e.meta?.ip ?? null,
            userAgent: e.meta?.userAgent?.slice(0, 512) ?? null,
            details: details(e),
          },
        ]
      : []
  return {
    async record(e) {
      observe(e)
      for (const row of rows(e)) await deps.audit.appendAuditEvent(row)
    },
    auditRows: rows,
    recorded: observe,
  }
}

/**
 * A change and the event that records it, committed together: `write` hands `audit` to the store
 * method (which appends it in the change's transaction, only when something changed); the metric
 * and log line follow when `done(result)`.
 */
export async function recordWith<T>(events: Events, e: SecurityEvent, write: (audit: NewAuditEvent[]) => Promise<T>, done: (r: T) => boolean): Promise<T> {
  const result = await write(events.auditRows(e))
  if (done(result)) events.recorded(e)
  return result
}
