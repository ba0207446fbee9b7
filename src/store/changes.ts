/**
 * What one instance tells the others after a write, so that every instance's caches follow (the
 * guard's session/user reads, the verified-token cache, the key ring).
 */
export type Change =
  | { kind: 'session'; id: string }
  | { kind: 'user'; id: string }
  | { kind: 'keys' }
  /** Anything may have changed (a purge, or a gap in delivery): drop everything. */
  | { kind: 'all' }

/** Messages arrive from other processes: only a well-formed change counts. */
export function isChange(c: unknown): c is Change {
  if (typeof c !== 'object' || c === null) return false
  const { kind, id } = c as Record<string, unknown>
  if (kind === 'session' || kind === 'user') return typeof id === 'string'
  return kind === 'keys' || kind === 'all'
}

export interface ChangeBus {
  /** Tells every instance, this one included. Fire-and-forget: a lost message makes `live()` false. */
  publish(change: Change): void
  subscribe(fn: (change: Change) => void): () => void
  /**
   * True while every peer's changes are known to reach this instance. Only then may a cache be
   * trusted; when delivery resumes after a gap, subscribers get `{kind: 'all'}` first.
   */
  live(): boolean
  close(): Promise<void>
}

/** A value the back end cannot hold (PostgreSQL text cannot contain NUL): the request was bad, a 400. */
export class UnrepresentableValueError extends Error {
  constructor() {
    super('text contains a NUL character')
    this.name = 'UnrepresentableValueError'
  }
}

/** A database or cache that cannot be reached: the request gets 503, never a hang. */
export class StoreUnavailableError extends Error {
  constructor(
    readonly what: 'database' | 'redis',
    cause?: unknown,
  ) {
    super(`${what} unavailable`, { cause })
    this.name = 'StoreUnavailableError'
  }
}
