import type { Deps } from '../deps/types.js'
import type { User } from '../store/store.js'
import { isLive } from './liveness.js'

export interface SessionView {
  id: string
  created_at: string
  last_used_at: string
  user_agent: string | null
  ip: string | null
  current: boolean
  /** The OpenID Connect client it was issued to (the code flow); null for the token API and the pages. */
  client_id: string | null
}

/** A user's live sessions, newest first, with the one making the request marked. */
export async function listLiveSessions(deps: Pick<Deps, 'store' | 'clock'>, user: User, currentSessionId: string | null): Promise<SessionView[]> {
  const now = deps.clock()
  const open = await deps.store.listOpenSessions(user.id)
  return open
    .filter((s) => isLive(s, user, now))
    .map((s) => ({
      id: s.id,
      created_at: s.createdAt.toISOString(),
      last_used_at: s.lastUsedAt.toISOString(),
      user_agent: s.userAgent,
      ip: s.ip,
      current: s.id === currentSessionId,
      client_id: s.clientId,
    }))
}
