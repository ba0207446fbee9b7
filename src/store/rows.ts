import type { AuditEvent, AuthorizationCode, Client, Consent, OutboxMessage, Passkey, Session, SigningKeyRow, TotpFactor, User } from './store.js'

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

export const USER_COLS = 'u.id, u.username, u.email, u.email_verified, u.pending_email, u.roles, u.disabled, u.totp_enabled, u.created_at, u.updated_at'
/** The same columns unqualified, for RETURNING (SQLite refuses table-qualified names there). */
export const USER_COLS_BARE = USER_COLS.replaceAll('u.', '')
export const SESSION_COLS =
  's.id, s.user_id, s.scope, s.created_at, s.last_used_at, s.expires_at, s.idle_expires_at, s.ended_at, s.user_agent, s.ip, s.amr, s.auth_time, s.client_id'
/** The user's columns under a `u_` prefix, for joins with sessions. */
export const USER_COLS_PREFIXED = USER_COLS.split(', ')
  .map((c) => `${c} AS u_${c.slice(2)}`)
  .join(', ')
export const PASSKEY_COLS =
  'p.id, p.user_id, p.credential_id, p.public_key, p.counter, p.transports, p.device_type, p.backed_up, p.name, p.user_handle, p.aaguid, p.created_at, p.last_used_at'
export const CLIENT_COLS =
  'id, name, confidential, first_party, grant_types, scopes, redirect_uris, post_logout_redirect_uris, id_token_signed_response_alg, secret_hash, created_at, updated_at'
export const AUTHORIZATION_CODE_COLS =
  'code_hash, client_id, user_id, redirect_uri, code_challenge, nonce, scope, browser_session_id, auth_time, amr, session_id, created_at, expires_at, consumed_at'
export const CONSENT_COLS = 'user_id, client_id, scopes, granted_at'

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
      totpEnabled: d.bool(r[`${p}totp_enabled`]),
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
      amr: d.list(r.amr),
      authTime: d.date(r.auth_time),
      clientId: str(r.client_id),
    }),
    toTotp: (r: Row): TotpFactor => ({
      userId: r.user_id as string,
      secret: r.secret as string,
      confirmedAt: dateOrNull(r.confirmed_at),
      lastUsedStep: r.last_used_step == null ? null : Number(r.last_used_step),
      createdAt: d.date(r.created_at),
    }),
    toRefreshToken: (r: Row) => ({ usedAt: dateOrNull(r.used_at), sealedSuccessor: str(r.sealed_successor) }),
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
    toPasskey: (r: Row): Passkey => ({
      id: r.id as string,
      userId: r.user_id as string,
      credentialId: r.credential_id as string,
      publicKey: r.public_key as string,
      counter: Number(r.counter), // PostgreSQL's bigint arrives as text
      transports: d.list(r.transports),
      deviceType: r.device_type === 'multiDevice' ? 'multiDevice' : 'singleDevice',
      backedUp: d.bool(r.backed_up),
      name: r.name as string,
      userHandle: r.user_handle as string,
      aaguid: str(r.aaguid),
      createdAt: d.date(r.created_at),
      lastUsedAt: dateOrNull(r.last_used_at),
    }),
    toClient: (r: Row): Client => ({
      id: r.id as string,
      name: r.name as string,
      confidential: d.bool(r.confidential),
      firstParty: d.bool(r.first_party),
      grantTypes: d.list(r.grant_types),
      scopes: d.list(r.scopes),
      redirectUris: d.list(r.redirect_uris),
      postLogoutRedirectUris: d.list(r.post_logout_redirect_uris),
      idTokenSignedResponseAlg: str(r.id_token_signed_response_alg),
      secretHash: str(r.secret_hash),
      createdAt: d.date(r.created_at),
      updatedAt: d.date(r.updated_at),
    }),
    toAuthorizationCode: (r: Row): AuthorizationCode => ({
      hash: r.code_hash as string,
      clientId: r.client_id as string,
      userId: r.user_id as string,
      redirectUri: r.redirect_uri as string,
      codeChallenge: r.code_challenge as string,
      nonce: str(r.nonce),
      scope: r.scope as string,
      browserSessionId: r.browser_session_id as string,
      authTime: d.date(r.auth_time),
      amr: d.list(r.amr),
      sessionId: r.session_id as string,
      createdAt: d.date(r.created_at),
      expiresAt: d.date(r.expires_at),
      consumedAt: dateOrNull(r.consumed_at),
    }),
    toConsent: (r: Row): Consent => ({
      userId: r.user_id as string,
      clientId: r.client_id as string,
      scopes: d.list(r.scopes),
      grantedAt: d.date(r.granted_at),
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
