import { Redis } from 'ioredis'
import type { Logger } from 'pino'

/** Connections this process is closing itself: their 'close' is no outage. */
const closing = new WeakSet<Redis>()
/** Why each connection last failed, for the start-up warning. */
const lastError = new WeakMap<Redis, Error>()

/**
 * A Redis connection that never makes a request wait for Redis: commands fail at once while it
 * is disconnected (no offline queue) and after 500 ms when it stalls; it keeps reconnecting in
 * the background (every 100 ms growing to 1 s). Callers fall back to per-instance behaviour.
 */
export function connectRedis(url: string, role: string, log: Logger): Redis {
  const redis = new Redis(url, {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 500,
    connectTimeout: 1_000,
    retryStrategy: (attempt) => Math.min(100 * attempt, 1_000),
    connectionName: `gatehouse-${role}`,
  })
  let up = false
  redis.on('ready', () => {
    if (!up) log.info({ redis: role }, 'redis connected')
    up = true
  })
  // Logged once per outage, not once per reconnect attempt; and not at all when we close it
  // ourselves (every CLI command and every shutdown would report a false outage).
  const down = (err?: Error) => {
    if (err) lastError.set(redis, err)
    if (up && !closing.has(redis)) log.warn({ redis: role, err }, 'redis unavailable: rate limits fall back to this instance, revocation reads the database')
    up = false
  }
  redis.on('error', down)
  redis.on('close', () => down())
  return redis
}

export const isReady = (redis: Redis): boolean => redis.status === 'ready'

/** Where a connection points and why it last failed, never its password: `127.0.0.1:6379: connect ECONNREFUSED ...`. */
export function describeRedisFailure(redis: Redis): string {
  const { host, port, db } = redis.options
  const err = lastError.get(redis)
  return `${host}:${port}${db ? `/${db}` : ''}: ${err ? err.message : `no answer within the wait (status ${redis.status})`}`
}

/** Closes a connection this process is done with; quit() first lets a change just published reach Redis (the CLI publishes, then exits). */
export async function closeRedis(r: Redis): Promise<void> {
  closing.add(r)
  if (isReady(r)) await Promise.race([r.quit(), new Promise((res) => setTimeout(res, 500))])
  r.disconnect()
}
