/**
 * The configured store could not be opened (at start, or when a CLI command opens it): the message
 * names what was tried and why (never a password). These are expected mistakes of configuration
 * or operation (wrong port, missing database, unknown role, missing folder), so edges print the
 * message alone, without a stack; the original error stays in `cause`.
 */
export class StoreOpenError extends Error {
  /** Stable, for code that tells this apart from other start-up failures. */
  readonly code = 'store_open_failed'

  constructor(message: string, cause: unknown) {
    super(message, { cause })
    this.name = 'StoreOpenError'
  }
}

/** The innermost error with a `code` (a driver error inside our wrappers), else the innermost one. */
export function rootCause(err: unknown): { code?: string; message: string } {
  let e = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown[] } | undefined
  let innermost = e
  for (let depth = 0; e && depth < 10; depth++) {
    // Node reports each address it tried (IPv4 and IPv6 of "localhost") in an AggregateError.
    if (typeof e.code !== 'string' && Array.isArray(e.errors) && e.errors.length > 0) e = e.errors[0] as typeof e
    if (typeof e?.code === 'string') return { code: e.code, message: String(e.message ?? e.code) }
    innermost = e
    e = e?.cause as typeof e
  }
  return { message: innermost instanceof Error ? innermost.message : String(innermost) }
}
