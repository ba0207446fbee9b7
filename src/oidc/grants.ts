import type { Deps } from '../deps/types.js'
import { notFound } from '../errors.js'
import type { ClientMeta } from '../events/events.js'

type GrantsDeps = Pick<Deps, 'store' | 'clock' | 'events'>

/** One client a person let sign them in, as `GET /users/me/grants` and /account/apps show it. */
export interface GrantView {
  client_id: string
  name: string
  scopes: string[]
  granted_at: string
}

/** The person's consents, newest first, with each client's current name. */
export async function listGrants(deps: Pick<Deps, 'store'>, userId: string): Promise<GrantView[]> {
  const consents = await deps.store.listConsents(userId)
  const views = await Promise.all(
    consents.map(async (c) => {
      const client = await deps.store.findClient(c.clientId)
      return client ? { client_id: c.clientId, name: client.name, scopes: c.scopes, granted_at: c.grantedAt.toISOString() } : null
    }),
  )
  return views.filter((v): v is GrantView => v !== null)
}

/**
 * Takes a consent back: the client must ask again, and the sessions issued to it for this person
 * end in the same transaction (their refresh tokens stop at once; access tokens at the next check).
 * @throws DomainError not_found when there is no such consent (whose ever it is).
 */
export async function revokeGrant(deps: GrantsDeps, userId: string, clientId: string, meta: ClientMeta): Promise<void> {
  const event = (ended: number) =>
    ({ type: 'consent.revoked', actorId: userId, subjectId: userId, meta, details: { client_id: clientId.slice(0, 64), ended_sessions: ended } }) as const
  let endedSessions = 0
  const ended = await deps.store.revokeConsent(userId, clientId, deps.clock(), (n) => {
    endedSessions = n
    return deps.events.auditRows(event(n))
  })
  if (ended === null) throw notFound()
  deps.events.recorded(event(endedSessions))
}
