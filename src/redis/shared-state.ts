import cluster from 'node:cluster'
import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import { askPrimaryForMetrics, type Channel, ipcChangeBus, ipcLimiter, listenForMetrics } from '../cluster/ipc.js'
import type { Config } from '../config.js'
import type { RateLimiter } from '../rate-limit/limiter.js'
import type { ChangeBus } from '../store/changes.js'
import { redisChangeBus } from './change-bus.js'
import { closeRedis, connectRedis, describeRedisFailure, isReady } from './connection.js'

/** What instances share beyond the database: Redis (limits) and the change bus (cache invalidation). */
export interface SharedState {
  redis: Redis | null
  bus: ChangeBus | null
  /** In a cluster worker: the machine's limits, kept by the primary for all workers (used without Redis, and while it is away). */
  workerLimiter: RateLimiter | null
  /** In a cluster worker: every worker's metrics, summed by the primary. */
  clusterMetrics: (() => Promise<string>) | null
  /** 'off' without REDIS_URL; otherwise whether Redis answers now. */
  redisStatus(): 'off' | 'up' | 'down'
  close(): Promise<void>
}

const READY_WAIT_MS = 1_000

/**
 * Connects to REDIS_URL when set. Waits up to a second for the connection, then goes on either
 * way: Gatehouse serves without Redis (degraded) and picks it up when it answers.
 */
export async function connectSharedState(config: Readonly<Config>, log: Logger): Promise<SharedState> {
  // WORKERS > 1: the primary keeps the machine's limits, sums metrics and (without Redis) relays changes.
  const primary: Channel | null = cluster.isWorker
    ? { send: (m) => process.send?.(m), on: (fn) => process.on('message', fn), connected: () => process.connected }
    : null
  if (primary) listenForMetrics(primary)
  const workerLimiter = primary ? ipcLimiter(primary) : null
  const clusterMetrics = primary ? () => askPrimaryForMetrics(primary) : null
  if (!config.redisUrl) {
    const bus = primary ? ipcChangeBus(primary) : null
    return { redis: null, bus, workerLimiter, clusterMetrics, redisStatus: () => 'off', close: async () => bus?.close() }
  }
  const redis = connectRedis(config.redisUrl, 'commands', log)
  const subscriber = connectRedis(config.redisUrl, 'changes', log)
  await Promise.all([redis, subscriber].map((r) => waitReady(r, READY_WAIT_MS)))
  if (!isReady(redis)) log.warn(`redis not reachable at start (${describeRedisFailure(redis)}); serving degraded until it is`)
  const bus = redisChangeBus(redis, subscriber, `${config.redisKeyPrefix}changes`)
  return {
    redis,
    bus,
    workerLimiter,
    clusterMetrics,
    redisStatus: () => (isReady(redis) && bus.live() ? 'up' : 'down'),
    async close() {
      await bus.close()
      await Promise.allSettled([closeRedis(redis), closeRedis(subscriber)])
    },
  }
}

function waitReady(r: Redis, ms: number): Promise<void> {
  if (isReady(r)) return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      r.off('ready', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    r.once('ready', done)
  })
}
