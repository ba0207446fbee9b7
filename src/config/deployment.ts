/** Where Gatehouse keeps state and how it runs: DATABASE_URL, REDIS_URL, WORKERS, metrics. */

export type DatabaseConfig =
  | { kind: 'sqlite'; path: string }
  /** `schema`: from `?schema=` in the URL (default `public`), so several deployments can share one database. */
  | { kind: 'postgres'; url: string; schema: string; poolSize: number }

export interface DeploymentConfig {
  database: DatabaseConfig
  /** Shared limits and cross-instance cache invalidation; null: per-process limits. */
  redisUrl: string | null
  /** Prefix of every Redis key and channel, so deployments (or test runs) can share one server. */
  redisKeyPrefix: string
  /** Processes serving on this machine (node:cluster when > 1). */
  workers: number
  /** Serve /metrics on this port (on HOST) instead of the API port; null: on the API port. */
  metricsPort: number | null
  /** When set, /metrics requires `Authorization: Bearer <token>`. Never logged. */
  metricsToken: string | null
}

type Get = (name: string) => string | undefined
type Int = (name: string, dflt: number, min: number, max: number) => number

/** What a message may say about a URL that can carry a password: its scheme only. */
const redactUrl = (url: string): string => `${/^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0] ?? ''}…`

const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/

export function parseDeployment(get: Get, int: Int, port: number, problems: string[]): DeploymentConfig {
  const database = parseDatabaseUrl(get('DATABASE_URL') ?? 'sqlite:./data/gatehouse.db', int('DATABASE_POOL_SIZE', 10, 1, 200), problems)
  const redisUrl = get('REDIS_URL') ?? null
  if (redisUrl !== null && !/^rediss?:\/\/[^/]/.test(redisUrl)) {
    problems.push(`REDIS_URL: must be redis://host:port[/db] or rediss://... (got "${redactUrl(redisUrl)}")`)
  }
  const metricsPortText = get('METRICS_PORT')
  const metricsPort = metricsPortText === undefined ? null : int('METRICS_PORT', 0, 1, 65535)
  if (metricsPort !== null && metricsPort === port) problems.push('METRICS_PORT: must differ from PORT')
  const metricsToken = get('METRICS_TOKEN') ?? null
  if (metricsToken !== null && Buffer.byteLength(metricsToken) < 32) problems.push('METRICS_TOKEN: at least 32 bytes (it guards operational data)')
  const redisKeyPrefix = get('REDIS_KEY_PREFIX') ?? 'gatehouse:'
  if (!/^[A-Za-z0-9_:.-]{1,64}$/.test(redisKeyPrefix)) problems.push('REDIS_KEY_PREFIX: letters, digits and _:.- only, at most 64')
  return { database, redisUrl, redisKeyPrefix, workers: int('WORKERS', 1, 1, 64), metricsPort, metricsToken }
}

function parseDatabaseUrl(url: string, poolSize: number, problems: string[]): DatabaseConfig {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\//, '')
    if (path === '') problems.push('DATABASE_URL: sqlite: needs a path, e.g. sqlite:./data/gatehouse.db or sqlite::memory:')
    return { kind: 'sqlite', path: path || ':memory:' }
  }
  if (/^postgres(ql)?:\/\/[^/]/.test(url)) {
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      problems.push(`DATABASE_URL: not a valid URL (got "${redactUrl(url)}")`)
      return { kind: 'sqlite', path: ':memory:' }
    }
    if (parsed.searchParams.has('options'))
      problems.push('DATABASE_URL: options= is not supported (it would replace the search_path and timeouts Gatehouse sets; use ?schema=)')
    const schema = parsed.searchParams.get('schema') ?? 'public'
    if (!SCHEMA.test(schema)) problems.push(`DATABASE_URL: ?schema= must be a lower-case identifier (got "${schema}")`)
    parsed.searchParams.delete('schema')
    return { kind: 'postgres', url: parsed.toString(), schema, poolSize }
  }
  problems.push(`DATABASE_URL: must start with sqlite: or postgres:// (got "${redactUrl(url)}")`)
  return { kind: 'sqlite', path: ':memory:' }
}
