import { Redis } from 'ioredis'
import type { Logger } from 'pino'

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
  // Logged once per outage, not once per reconnect attempt.
  const down = (err?: Error) => {
    if (up) log.warn({ redis: role, err }, 'redis unavailable: rate limits fall back to this instance, revocation reads the database')
    up = false
  }
  redis.on('error', down)
  redis.on('close', () => down())
  return redis
}

export const isReady = (redis: Redis): boolean => redis.status === 'ready'
