import type { Change } from './changes.js'
import type { Session, User } from './store.js'

type Entry = { session: Session; user: User }

/**
 * The guard's read cache for a back end whose writers are other processes (PostgreSQL): entries
 * are trusted only while `live()` says every writer's changes reach us (the change bus), and each
 * change drops exactly what it touched. A read that was in flight when any change arrived is not
 * cached (the generation moved), so a stale row can never be stored after its invalidation.
 */
export class SessionCache {
  private readonly entries = new Map<string, Entry>()
  private generation = 0

  constructor(
    private readonly live: () => boolean,
    private readonly max = 10_000,
  ) {}

  peek(id: string): Entry | undefined {
    if (this.entries.size === 0 || !this.live()) return undefined
    return this.entries.get(id)
  }

  async get(id: string, load: () => Promise<Entry | null>): Promise<Entry | null> {
    const hit = this.peek(id)
    if (hit) return hit
    const generation = this.generation
    const found = await load()
    if (found && generation === this.generation && this.live()) {
      Object.freeze(found.session)
      Object.freeze(found.user.roles)
      Object.freeze(found.user)
      if (this.entries.size >= this.max) this.entries.clear()
      this.entries.set(id, found)
    }
    return found
  }

  apply(change: Change): void {
    this.generation++
    if (change.kind === 'session') this.entries.delete(change.id)
    else if (change.kind === 'user') {
      for (const [id, e] of this.entries) if (e.user.id === change.id) this.entries.delete(id)
    } else if (change.kind === 'all') this.entries.clear()
  }
}
