import { randomBytes } from 'node:crypto'
import type { Actor } from '../accounts/admin.js'
import type { Deps } from '../deps/types.js'
import { invalidField, invalidFields, notFound, publicClient } from '../errors.js'
import { recordWith, type SecurityEvent } from '../events/events.js'
import type { Client, ClientPatch } from '../store/store.js'
import { type ClientSettings, clientProblems, DEFAULT_CLIENT_SCOPES, DEFAULT_GRANT_TYPES, normalizeSettings } from './client-rules.js'
import { hashClientSecret, newClientSecret } from './client-secret.js'

/**
 * The client registry (admin API and CLI alike): register, read, change, rotate a secret, delete.
 * Every change is audited in the transaction that makes it. The secret is returned once, by
 * `registerClient` and `rotateClientSecret`, and never stored.
 */

type RegistryDeps = Pick<Deps, 'store' | 'clock' | 'events' | 'config'>

/** A registration as the contract names its fields. */
export interface ClientInput {
  name: string
  redirect_uris: string[]
  confidential?: boolean
  first_party?: boolean
  grant_types?: string[]
  scopes?: string[]
  post_logout_redirect_uris?: string[]
  id_token_signed_response_alg?: string | null
}

export type ClientInputPatch = Partial<Omit<ClientInput, 'confidential'>>

// 128 random bits, hex: opaque, and never mistaken for a command-line option.
const newClientId = () => randomBytes(16).toString('hex')

/** The settings an audit row records (never a secret or its hash). */
const auditedSettings = (c: ClientSettings) => ({
  name: c.name,
  first_party: c.firstParty,
  grant_types: c.grantTypes,
  scopes: c.scopes,
  redirect_uris: c.redirectUris,
  post_logout_redirect_uris: c.postLogoutRedirectUris,
  id_token_signed_response_alg: c.idTokenSignedResponseAlg,
})

const event = (type: SecurityEvent['type'], actor: Actor, details: Record<string, unknown>): SecurityEvent => ({
  type,
  actorId: actor.actorId,
  subjectId: null,
  meta: actor.meta,
  details,
})

export async function findClientOr404(deps: Pick<Deps, 'store'>, clientId: string): Promise<Client> {
  const client = await deps.store.findClient(clientId)
  if (!client) throw notFound()
  return client
}

export const listClients = (deps: Pick<Deps, 'store'>): Promise<Client[]> => deps.store.listClients()

/** Registers a client. @returns it and, for a confidential client, its secret (shown this once). */
export async function registerClient(deps: RegistryDeps, input: ClientInput, actor: Actor): Promise<{ client: Client; secret: string | null }> {
  const confidential = input.confidential ?? false
  const settings = normalizeSettings({
    name: input.name,
    confidential,
    firstParty: input.first_party ?? false,
    grantTypes: input.grant_types ?? DEFAULT_GRANT_TYPES,
    scopes: input.scopes ?? DEFAULT_CLIENT_SCOPES,
    redirectUris: input.redirect_uris,
    postLogoutRedirectUris: input.post_logout_redirect_uris ?? [],
    idTokenSignedResponseAlg: input.id_token_signed_response_alg ?? null,
  })
  const problems = clientProblems(settings, deps.config)
  if (problems.length > 0) throw invalidFields(problems)
  const id = newClientId()
  const secret = confidential ? newClientSecret() : null
  const now = deps.clock()
  const row = { id, ...settings, secretHash: secret ? hashClientSecret(id, secret) : null, createdAt: now }
  // Everything that decides where codes go and what is granted without asking, so the audit log
  // can show a stolen admin token registering a redirect URI or a consent-skipping client.
  const e = event('client.created', actor, { client_id: id, confidential, ...auditedSettings(settings) })
  // 128 random bits do not collide; a false here would be a broken random source, not a user error.
  const stored = await recordWith(
    deps.events,
    e,
    (audit) => deps.store.createClient(row, audit),
    (ok) => ok,
  )
  if (!stored) throw new Error('client id collision')
  return { client: { ...row, updatedAt: now }, secret }
}

const FIELD_OF: Record<keyof ClientInputPatch, keyof ClientPatch> = {
  name: 'name',
  redirect_uris: 'redirectUris',
  first_party: 'firstParty',
  grant_types: 'grantTypes',
  scopes: 'scopes',
  post_logout_redirect_uris: 'postLogoutRedirectUris',
  id_token_signed_response_alg: 'idTokenSignedResponseAlg',
}

/** Changes what the patch names; the result is checked as a whole (grant types against the type, redirect URIs against the grants). */
export async function updateClient(deps: RegistryDeps, clientId: string, input: ClientInputPatch, actor: Actor): Promise<Client> {
  const current = await findClientOr404(deps, clientId)
  const sent = Object.keys(input).filter((k) => Object.hasOwn(FIELD_OF, k) && input[k as keyof ClientInputPatch] !== undefined) as (keyof ClientInputPatch)[]
  if (sent.length === 0) throw invalidField(['body'], `Give at least one of ${Object.keys(FIELD_OF).join(', ')}`)
  const patch: ClientPatch = {}
  for (const k of sent) Object.assign(patch, { [FIELD_OF[k]]: input[k] ?? null })
  const merged: ClientSettings = normalizeSettings({ ...current, ...patch })
  const problems = clientProblems(merged, deps.config, new Set(sent))
  if (problems.length > 0) throw invalidFields(problems)
  const normalized: ClientPatch = {}
  for (const k of sent) Object.assign(normalized, { [FIELD_OF[k]]: merged[FIELD_OF[k]] })
  const e = event('client.updated', actor, { client_id: clientId, changed: sent, after: auditedSettings(merged), before: auditedSettings(current) })
  const updated = await recordWith(
    deps.events,
    e,
    (audit) => deps.store.updateClient(clientId, normalized, deps.clock(), audit),
    (c) => c !== null,
  )
  if (!updated) throw notFound()
  return updated
}

/** A new secret for a confidential client; the old one stops working at once (the contract keeps no grace). */
export async function rotateClientSecret(deps: RegistryDeps, clientId: string, actor: Actor): Promise<{ client: Client; secret: string }> {
  const client = await findClientOr404(deps, clientId)
  if (!client.confidential) throw publicClient()
  const secret = newClientSecret()
  const secretHash = hashClientSecret(clientId, secret)
  const now = deps.clock()
  const e = event('client.secret_rotated', actor, { client_id: clientId })
  const ok = await recordWith(
    deps.events,
    e,
    (audit) => deps.store.setClientSecret(clientId, secretHash, now, audit),
    (ok) => ok,
  )
  if (!ok) throw notFound()
  return { client: { ...client, secretHash, updatedAt: now }, secret }
}

/** Deletes a client and ends every session issued to it. @returns how many sessions ended. */
export async function deleteClient(deps: RegistryDeps, clientId: string, actor: Actor): Promise<number> {
  const current = await findClientOr404(deps, clientId)
  let e = event('client.deleted', actor, { client_id: clientId, name: current.name })
  const ended = await deps.store.deleteClient(clientId, deps.clock(), (n) => {
    e = event('client.deleted', actor, { client_id: clientId, name: current.name, sessions_ended: n })
    return deps.events.auditRows(e)
  })
  if (ended === null) throw notFound()
  deps.events.recorded(e)
  return ended
}
