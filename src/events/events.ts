import type { Logger } from 'pino'
import type { Metrics } from '../metrics/metrics.js'
import type { AuditStore } from '../store/store.js'

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
  'mfa.enabled': { audit: true, level: 'info' },
  'mfa.disabled': { audit: true, level: 'info' },
  'key.rotated': { audit: true, level: 'info' },
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
}

export function createEvents(deps: { audit: AuditStore; log: Logger; metrics: Metrics; clock: () => Date }): Events {
  return {
    async record(e) {
      const kind = EVENT_TYPES[e.type]
      deps.metrics.events.inc({ type: e.type })
      const at = deps.clock()
      const details = e.meta?.via ? { ...e.details, via: e.meta.via } : (e.details ?? {})
      deps.log[kind.level]({ event: e.type, actorId: e.actorId ?? null, subjectId: e.subjectId ?? null, ip: e.meta?.ip ?? null, ...details }, e.type)
      if (!kind.audit) return
      await deps.audit.appendAuditEvent({
        type: e.type,
        at,
        actorId: e.actorId ?? null,
        subjectId: e.subjectId ?? null,
        ip: e.meta?.ip ?? null,
        userAgent: e.meta?.userAgent?.slice(0, 512) ?? null,
        details,
      })
    },
  }
}
