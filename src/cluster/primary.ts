import cluster, { type Worker } from 'node:cluster'
import type { Logger } from 'pino'
import { AggregatorRegistry } from 'prom-client'
import type { Config } from '../config.js'
import { createKeyRings, createMachineLimiter, openConfiguredStore } from '../deps/create.js'
import { closeRings } from '../tokens/key-rings.js'
import { serveMetrics } from '../metrics/metrics-server.js'
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
  // Migrations and the first signing keys (access tokens', ID tokens') once, before any worker
  // starts (they would agree anyway).
  const store = await openConfiguredStore(config)
  closeRings(await createKeyRings(config, store, () => new Date(), log))
  await store.close()

  // The machine's limits: what workers use without Redis, and while Redis is away.
  const limiter = createMachineLimiter(config)
  const aggregator = new AggregatorRegistry()
  const workers = new Set<Worker>()
  const broadcast = (m: unknown) => {
    for (const w of workers) if (w.isConnected()) w.send(m as object)
  }
  let stopping = false
  // A worker that keeps dying is restarted ever more slowly (1 s doubling to a minute), and the
  // delay resets once a worker has run for a minute.
  let restartDelay = RESTART_DELAY_MS
  const fork = () => {
    const w = cluster.fork()
    const startedAt = Date.now()
    workers.add(w)
    const ch = workerChannel(w)
    serveWorker(ch, limiter, broadcast)
    ch.on((m) => {
      const msg = m as { gh?: unknown; id?: unknown }
      if (msg?.gh !== 'metrics' || typeof msg.id !== 'number') return
      aggregator.clusterMetrics().then(
        (text) => ch.connected() && ch.send({ gh: 'metrics-reply', id: msg.id, text }),
        () => ch.connected() && ch.send({ gh: 'metrics-reply', id: msg.id, text: null }),
      )
    })
    // Sending to a worker that is exiting can fail (EPIPE): logged, never fatal to the primary.
    w.on('error', (err) => log.warn({ err, pid: w.process.pid }, 'worker channel error'))
    w.on('exit', (code, signal) => {
      workers.delete(w)
      if (stopping) return
      if (Date.now() - startedAt > 60_000) restartDelay = RESTART_DELAY_MS
      log.error({ pid: w.process.pid, code, signal, restartInMs: restartDelay }, 'worker died; starting another')
      setTimeout(() => !stopping && fork(), restartDelay).unref()
      restartDelay = Math.min(restartDelay * 2, 60_000)
    })
  }
  for (let i = 0; i < config.workers; i++) fork()
  log.info({ workers: config.workers }, 'primary started its workers')

  const metricsServer =
    config.metricsPort === null
      ? null
      : await serveMetrics(config, config.metricsPort, async () => ({ contentType: aggregator.contentType, text: await aggregator.clusterMetrics() }), log)

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
