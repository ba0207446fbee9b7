import { createHash } from 'node:crypto'
import { clientRules } from '../authn/throttle.js'
import type { Deps } from '../deps/types.js'
import { invalidClient, tooManyRequests } from '../errors.js'
import type { ClientMeta } from '../events/events.js'
import { addressKey } from '../lib/client-address.js'
import type { BackoffRule } from '../rate-limit/limiter.js'
import type { Client } from '../store/store.js'
import { clientSecretMatches } from './client-secret.js'

/**
 * Client authentication, whatever carried it (`client_secret_basic`, `client_secret_post`, or a
 * public client's bare `client_id`): the transport-neutral check the token, introspection and
 * revocation endpoints share. Wrong secrets back off per client (and tighter per client and
 * address), as wrong passwords do per account, up to LOGIN_BACKOFF_MAX; RATE_LIMIT=off lifts it.
 */

type ClientAuthDeps = Pick<Deps, 'store' | 'limiter' | 'clock' | 'config' | 'events'>

export interface ClientCredentials {
  clientId: string
  /** Null: none was sent (a public client's `none` method). */
  secret: string | null
}

// Limiter keys stay bounded whatever id is sent: ours are 32 hex characters.
const OUR_ID = /^[A-Za-z0-9_-]{1,64}$/
const keyOf = (clientId: string) => (OUR_ID.test(clientId) ? clientId : `#${createHash('sha256').update(clientId).digest('base64url')}`)

function keysFor(deps: ClientAuthDeps, clientId: string, meta: ClientMeta, known: boolean): [string, BackoffRule][] {
  const rules = clientRules(deps.config.loginBackoffMaxSeconds)
  // An id no client has: counted per address only, so made-up ids (one new key each) cannot fill
  // the limiter's store (Redis keys live a day) or push real clients' back-off out of it.
  if (!known) return meta.ip ? [[`?|${addressKey(meta.ip)}`, rules.clientAddress]] : []
  const key = keyOf(clientId)
  const keys: [string, BackoffRule][] = [[key, rules.client]]
  if (meta.ip) keys.push([`${key}|${addressKey(meta.ip)}`, rules.clientAddress])
  return keys
}

async function refuse(deps: ClientAuthDeps, client: Client | null, clientId: string, meta: ClientMeta): Promise<never> {
  const details = { client_id: client ? client.id : clientId.slice(0, 64) }
  await deps.events.record({ type: client ? 'client.auth_failed' : 'client.unknown', actorId: null, subjectId: null, meta, details })
  if (deps.config.rateLimit) {
    let lockedFor = 0
    for (const [key, rule] of keysFor(deps, clientId, meta, client !== null)) {
      const r = await deps.limiter.fail(key, rule, deps.clock())
      if (!r.allowed) lockedFor = Math.max(lockedFor, r.retryAfterSeconds)
    }
    if (lockedFor > 0 && client)
      await deps.events.record({ type: 'client.locked', actorId: null, subjectId: null, meta, details: { ...details, seconds: lockedFor } })
  }
  throw invalidClient()
}

/**
 * The client these credentials authenticate, or DomainError `invalid_client` (an unknown id, a
 * wrong or missing secret, a secret sent for a public client: one answer for all), or
 * `too_many_requests` for a wrong secret while the client's back-off runs.
 *
 * The right secret always passes, back-off or not: client ids are public (they travel in
 * /authorize URLs), so a back-off that held the right secret too would let anyone who knows an id
 * keep its service locked out with a few wrong guesses; and against a 256-bit secret the
 * back-off only has to slow guessing, which counting the wrong ones does. (Passwords differ: the
 * right one waits too, since a low-entropy secret's guessers would otherwise learn when they hit.)
 * Client ids are public for the same reason, so an unknown id answers faster than a wrong secret
 * (no audit row to write): it tells nothing that was secret.
 */
export async function authenticateClient(deps: ClientAuthDeps, creds: ClientCredentials, meta: ClientMeta): Promise<Client> {
  const client = await deps.store.findClient(creds.clientId)
  if (client && !client.confidential) {
    // A public client is identified, not authenticated: there is nothing to guess, so nothing to count.
    if (creds.secret === null) return client
    throw invalidClient()
  }
  if (creds.secret === null) throw invalidClient()
  // Client ids are public (see above), so an unknown one needs no decoy hash: it is refused at once.
  if (client && clientSecretMatches(creds.clientId, creds.secret, client.secretHash)) return client
  if (deps.config.rateLimit) {
    for (const [key, rule] of keysFor(deps, creds.clientId, meta, client !== null)) {
      const r = await deps.limiter.check(key, rule, deps.clock())
      if (!r.allowed) throw tooManyRequests(r.retryAfterSeconds)
    }
  }
  return refuse(deps, client, creds.clientId, meta)
}
