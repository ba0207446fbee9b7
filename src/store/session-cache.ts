import type { Change } from './changes.js'
import type { Session, User } from './store.js'

type Entry = { session: Session; user: User }

/**
 * However invalidations travel, no entry outlives this: a change whose message was lost (a network
 * split between one instance and Redis, say) reaches every instance within a second anyway.
 */
export const SESSION_CACHE_MAX_AGE_MS = 1_000

/** How a back end tells the cache that entries may be stale: the one pluggable part. */
export interface Staleness {
  /** Entries are trusted only while this holds (PostgreSQL: the change bus delivers). */
  live(): boolean
  /**
   * Polled on each read with `performance.now()`; true when another process may have committed
   * since the last poll, which drops everything (SQLite: `PRAGMA data_version`, at most once per ms).
   */
  externalChange?(now: number): boolean
  /** No entry is served older than this (Infinity: only changes expire entries). */
  maxAgeMs: number
}

/**
 * The guard's read cache of sessions with their users, for both back ends. Our own committed
 * writes drop exactly what they touched (`apply`); other processes' writes reach it through the
 * `Staleness` source. A read that was in flight when any change arrived is not cached (the
 * generation moved), so a stale row can never be stored after its invalidation. `peek` is
 * synchronous and cheap: the guard's hot path.
 */
export class SessionCache {
  private readonly entries = new Map<string, { entry: Entry; at: number }>()
  private generation = 0

  constructor(
    private readonly staleness: Staleness,
    private readonly max = 10_000,
  ) {}

  peek(id: string): Entry | undefined {
    if (this.entries.size === 0) return undefined
    const s = this.staleness
    if (!s.live()) return undefined
    const now = performance.now()
    if (s.externalChange?.(now)) {
      this.apply({ kind: 'all' })
      return undefined
    }
    const hit = this.entries.get(id)
    if (!hit) return undefined
    if (now - hit.at < s.maxAgeMs) return hit.entry
    this.entries.delete(id)
    return undefined
  }

  async get(id: string, load: () => Promise<Entry | null>): Promise<Entry | null> {
    const hit = this.peek(id)
    if (hit) return hit
    // Aged from before the read: the row may be as old as the moment the query started.
    const readAt = performance.now()
    // Polled before the read too (peek skips it on an empty cache): a later poll then only sees
    // commits made after this point, and one seen during the read moves the generation.
    if (this.staleness.externalChange?.(readAt)) this.apply({ kind: 'all' })
    const generation = this.generation
    const found = await load()
    if (found && generation === this.generation && this.staleness.live()) {
      Object.freeze(found.session)
      Object.freeze(found.session.amr)
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
