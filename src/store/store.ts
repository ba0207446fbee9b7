/**
 * Persistence contract, split by noun (users.ts, sessions.ts, keys.ts, one-time-tokens.ts,
 * audit.ts, mfa.ts, passkeys.ts, clients.ts, authorization-codes.ts, consents.ts). Every method is atomic by itself (one statement, or a transaction inside the back
 * end); no transaction object crosses it. A write taking `audit` appends
 * those events (hash-chained, as appendAuditEvent does) in its own transaction, only when it wrote. Absent rows are `null`, never an exception. Times cross
 * as `Date`. A resolved write is durable (SQLite: synchronous=FULL).
 */
import type { AuditStore } from './audit.js'
import type { AuthorizationCodeStore } from './authorization-codes.js'
import type { ClientStore } from './clients.js'
import type { ConsentStore } from './consents.js'
import type { KeyStore } from './keys.js'
import type { MfaStore } from './mfa.js'
import type { OneTimeTokenStore } from './one-time-tokens.js'
import type { OutboxStore } from './outbox.js'
import type { PasskeyStore } from './passkeys.js'
import type { SessionStore } from './sessions.js'
import type { UserStore } from './users.js'

export type { AuditEvent, AuditQuery, AuditStore, NewAuditEvent } from './audit.js'
export type { AuthorizationCode, AuthorizationCodeStore, NewAuthorizationCode, RedeemResult } from './authorization-codes.js'
export type { Client, ClientPatch, ClientStore, NewClient } from './clients.js'
export type { Consent, ConsentStore } from './consents.js'
export type { KeyStore, SigningKeyRow } from './keys.js'
export type { MfaStore, TotpFactor } from './mfa.js'
export type { NewOneTimeToken, OneTimeTokenStore } from './one-time-tokens.js'
export type { NewOutboxMessage, OutboxMessage, OutboxStore } from './outbox.js'
export type { NewPasskey, NewWebauthnChallenge, Passkey, PasskeyStore, PasskeyUse, WebauthnCeremony } from './passkeys.js'
export type { NewSession, RotateArgs, RotateResult, Session, SessionStore } from './sessions.js'
export type { NewUser, User, UserListQuery, UserPatch, UserStore } from './users.js'

export class StoreConflictError extends Error {
  constructor(readonly field: 'username' | 'email') {
    super(`${field} already exists`)
    this.name = 'StoreConflictError'
  }
}

export interface Store
  extends UserStore,
    SessionStore,
    KeyStore,
    OneTimeTokenStore,
    AuditStore,
    OutboxStore,
    MfaStore,
    PasskeyStore,
    ClientStore,
    AuthorizationCodeStore,
    ConsentStore {
  /** Applies pending migrations; safe to call from several processes at once. */
  migrate(): Promise<void>
  /** Resolves when storage answers a trivial query. */
  ping(): Promise<void>
  close(): Promise<void>
}
