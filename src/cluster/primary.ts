import cluster, { type Worker } from 'node:cluster'
import type { Server } from 'node:http'
import type { Logger } from 'pino'
import { AggregatorRegistry } from 'prom-client'
import type { Config } from '../config.js'
import { createKeyRing, openConfiguredStore } from '../deps.js'
import { serveMetrics } from '../metrics/metrics-server.js'
import { createMemoryLimiter, noLimiter } from '../rate-limit/memory-limiter.js'
import { type Channel, serveWorker } from './ipc.js'

const RESTART_DELAY_MS = 1_000

const workerChannel = (w: Worker): Channel => ({
  send: (m) => w.send(m as object),
  on: (fn) => w.on('message', fn),
  connected: () => w.isConnected(),
})

/**
 * WORKERS > 1: this process forks the workers that serve (node:cluster shares the port), keeps
 * the machine's limiter when there is no Redis, relays cache invalidations between workers,
 * serves the workers' summed metrics on METRICS_PORT, replaces a worker that dies, and on
 * SIGTERM lets every worker finish its requests before exiting.
 */
export async function runPrimary(config: Readonly<Config>, log: Logger): Promise<void> {
  // Migrations and the first signing key once, before any worker starts (they would agree anyway).
  const store = await openConfiguredStore(config)
  const keys = await createKeyRing(config, store, () => new Date(), log)
  keys.close()
  await store.close()

  const limiter = config.rateLimit && !config.redisUrl ? createMemoryLimiter() : noLimiter
  const workers = new Set<Worker>()
  const broadcast = (m: unknown) => {
    for (const w of workers) if (w.isConnected()) w.send(m as object)
  }
  let stopping = false
  const fork = () => {
    const w = cluster.fork()
    workers.add(w)
    serveWorker(workerChannel(w), limiter, broadcast)
    w.on('exit', (code, signal) => {
      workers.delete(w)
      if (stopping) return
      log.error({ pid: w.process.pid, code, signal }, 'worker died; starting another')
      setTimeout(() => !stopping && fork(), RESTART_DELAY_MS).unref()
    })
  }
  for (let i = 0; i < config.workers; i++) fork()
  log.info({ workers: config.workers }, 'primary started its workers')

  const metricsServer = config.metricsPort === null ? null : await serveClusterMetrics(config, config.metricsPort, log)

  const shutdown = (signal: string) => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'shutting down: workers finish their requests')
    for (const w of workers) w.process.kill('SIGTERM')
    const force = setTimeout(
      () => {
        for (const w of workers) w.process.kill('SIGKILL')
      },
      (config.requestTimeoutSeconds + 5) * 1000,
    )
    force.unref()
    const done = () => {
      if (workers.size > 0) return
      clearTimeout(force)
      metricsServer?.close()
      void limiter.close().then(() => process.exit(0))
    }
    cluster.on('exit', done)
    done()
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))
}

/** The workers' metrics, summed (prom-client asks each worker over IPC). */
function serveClusterMetrics(config: Readonly<Config>, port: number, log: Logger): Promise<Server> {
  const aggregator = new AggregatorRegistry()
  return serveMetrics(config, port, async () => ({ contentType: aggregator.contentType, text: await aggregator.clusterMetrics() }), log)
}
