import type { NewAuditEvent } from './audit.js'

/**
 * OpenID Connect clients (relying parties). A client's secret is never stored: only its keyed hash
 * (`secretHash`, null for a public client). Deleting a client ends every session issued to it
 * (sessions carry the `client_id` they were issued to; null for the password grant and the pages)
 * and deletes its consents and authorization codes.
 */

export interface Client {
  /** The `client_id`: random, opaque, case-sensitive. */
  id: string
  name: string
  /** Confidential clients authenticate with a secret; public ones (browser, native apps) cannot keep one. */
  confidential: boolean
  /** First-party clients need no consent. */
  firstParty: boolean
  /** `authorization_code`, `refresh_token`, `client_credentials` (confidential only). */
  grantTypes: string[]
  /** The scopes the client may ask for. */
  scopes: string[]
  /** Compared as exact strings, but for the port of a loopback URI (oidc/redirect-uris.ts). */
  redirectUris: string[]
  postLogoutRedirectUris: string[]
  /** Null: the default (RS256). */
  idTokenSignedResponseAlg: string | null
  /** HMAC-SHA-256 of the secret, base64url (oidc/client-secret.ts); null for a public client. */
  secretHash: string | null
  createdAt: Date
  updatedAt: Date
}

export type NewClient = Omit<Client, 'updatedAt'>

/** What an admin may change (not `confidential`: a client's type is fixed at registration). */
export type ClientPatch = Partial<
  Pick<Client, 'name' | 'firstParty' | 'grantTypes' | 'scopes' | 'redirectUris' | 'postLogoutRedirectUris' | 'idTokenSignedResponseAlg'>
>

export interface ClientStore {
  /** @returns false (nothing stored, no audit) when the id is taken. */
  createClient(c: NewClient, audit?: readonly NewAuditEvent[]): Promise<boolean>
  findClient(id: string): Promise<Client | null>
  /** Every client, oldest first. */
  listClients(): Promise<Client[]>
  /** Applies `patch` (fields left out stay), `updatedAt` becomes `now`. @returns the client as it is now, or null when absent. */
  updateClient(id: string, patch: ClientPatch, now: Date, audit?: readonly NewAuditEvent[]): Promise<Client | null>
  /** Replaces the secret's hash (the old secret stops working at once). @returns false when absent. */
  setClientSecret(id: string, secretHash: string, now: Date, audit?: readonly NewAuditEvent[]): Promise<boolean>
  /**
   * Deletes the client with its consents and authorization codes, and ends (at `now`) every open
   * session issued to it, in one transaction (a redemption of its codes in flight finishes first,
   * and its session is ended too).
   * @returns how many sessions it ended, or null when there was no such client (nothing changed, no audit).
   */
  deleteClient(id: string, now: Date, audit?: (endedSessions: number) => readonly NewAuditEvent[]): Promise<number | null>
}
