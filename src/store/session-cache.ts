import type { Change } from './changes.js'
import type { Session, User } from './store.js'

type Entry = { session: Session; user: User }

/**
 * However invalidations travel, no entry outlives this: a change whose message was lost (a network
 * split between one instance and Redis, say) reaches every instance within a second anyway.
 */
const SESSION_CACHE_MAX_AGE_MS = 1_000

/**
 * The guard's read cache for a back end whose writers are other processes (PostgreSQL): entries
 * are trusted only while `live()` says changes reach us (the change bus) and for at most
 * SESSION_CACHE_MAX_AGE_MS, and each change drops exactly what it touched. A read that was in flight when any change arrived is not
 * cached (the generation moved), so a stale row can never be stored after its invalidation.
 */
export class SessionCache {
  private readonly entries = new Map<string, { entry: Entry; at: number }>()
  private generation = 0

  constructor(
    private readonly live: () => boolean,
    private readonly max = 10_000,
    private readonly maxAgeMs = SESSION_CACHE_MAX_AGE_MS,
  ) {}

  peek(id: string): Entry | undefined {
    if (this.entries.size === 0 || !this.live()) return undefined
    const hit = this.entries.get(id)
    if (!hit) return undefined
    if (performance.now() - hit.at < this.maxAgeMs) return hit.entry
    this.entries.delete(id)
    return undefined
  }

  async get(id: string, load: () => Promise<Entry | null>): Promise<Entry | null> {
    const hit = this.peek(id)
    if (hit) return hit
    const generation = this.generation
    // Aged from before the read: the row may be as old as the moment the query started.
    const readAt = performance.now()
    const found = await load()
    if (found && generation === this.generation && this.live()) {
      Object.freeze(found.session)
      Object.freeze(found.user.roles)
      Object.freeze(found.user)
      if (this.entries.size >= this.max) this.entries.clear()
      this.entries.set(id, { entry: found, at: readAt })
    }
    return found
  }

  apply(change: Change): void {
    this.generation++
    if (change.kind === 'session') this.entries.delete(change.id)
    else if (change.kind === 'user') {
      for (const [id, e] of this.entries) if (e.entry.user.id === change.id) this.entries.delete(id)
    } else if (change.kind === 'all') this.entries.clear()
  }
}
