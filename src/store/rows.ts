import type { AuditEvent, OutboxMessage, Session, SigningKeyRow, User } from './store.js'

/**
 * Rows to objects, once for both back ends: the column names are shared, only how a value is
 * stored differs (SQLite: integer ms, 0/1, JSON text; PostgreSQL: timestamptz, boolean, text[]).
 */
export type Row = Record<string, unknown>

export interface Dialect {
  date(v: unknown): Date
  bool(v: unknown): boolean
  list(v: unknown): string[]
}

export const USER_COLS = 'u.id, u.username, u.email, u.email_verified, u.pending_email, u.roles, u.disabled, u.created_at, u.updated_at'
export const SESSION_COLS = 's.id, s.user_id, s.scope, s.created_at, s.last_used_at, s.expires_at, s.idle_expires_at, s.ended_at, s.user_agent, s.ip'
/** The user's columns under a `u_` prefix, for joins with sessions. */
export const USER_COLS_PREFIXED = USER_COLS.split(', ')
  .map((c) => `${c} AS u_${c.slice(2)}`)
  .join(', ')

const str = (v: unknown): string | null => (v as string | null) ?? null

export function rowMappers(d: Dialect) {
  const dateOrNull = (v: unknown): Date | null => (v == null ? null : d.date(v))
  return {
    toUser: (r: Row, p = ''): User => ({
      id: r[`${p}id`] as string,
      username: r[`${p}username`] as string,
      email: str(r[`${p}email`]),
      emailVerified: d.bool(r[`${p}email_verified`]),
      pendingEmail: str(r[`${p}pending_email`]),
      roles: d.list(r[`${p}roles`]),
      disabled: d.bool(r[`${p}disabled`]),
      createdAt: d.date(r[`${p}created_at`]),
      updatedAt: d.date(r[`${p}updated_at`]),
    }),
    toSession: (r: Row): Session => ({
      id: r.id as string,
      userId: r.user_id as string,
      scope: r.scope as string,
      createdAt: d.date(r.created_at),
      lastUsedAt: d.date(r.last_used_at),
      expiresAt: d.date(r.expires_at),
      idleExpiresAt: d.date(r.idle_expires_at),
      endedAt: dateOrNull(r.ended_at),
      userAgent: str(r.user_agent),
      ip: str(r.ip),
    }),
    toKey: (r: Row): SigningKeyRow => ({
      kid: r.kid as string,
      alg: r.alg as string,
      publicJwk: r.public_jwk as string,
      privateJwk: r.private_jwk as string,
      createdAt: d.date(r.created_at),
      activatesAt: d.date(r.activates_at),
      retiresAt: dateOrNull(r.retires_at),
    }),
    toEvent: (r: Row): AuditEvent => ({
      id: Number(r.id), // PostgreSQL's bigint arrives as text
      type: r.type as string,
      at: d.date(r.at),
      actorId: str(r.actor_id),
      subjectId: str(r.subject_id),
      ip: str(r.ip),
      userAgent: str(r.user_agent),
      detailsJson: r.details as string,
      prevHash: r.prev_hash as string,
      hash: r.hash as string,
    }),
    toMessage: (r: Row): OutboxMessage => ({
      id: r.id as string,
      claimId: r.claim_id as string,
      kind: r.kind as string,
      data: str(r.data),
      to: str(r.to_address),
      subject: r.subject as string,
      text: r.text as string,
      html: r.html as string,
      createdAt: d.date(r.created_at),
      attempts: r.attempts as number,
    }),
  }
}
