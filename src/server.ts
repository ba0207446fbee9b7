import cluster from 'node:cluster'
import type { Server } from 'node:http'
import { AggregatorRegistry } from 'prom-client'
import { buildApp } from './app.js'
import { runPrimary } from './cluster/primary.js'
import type { Config } from './config.js'
import { closeDeps, createDeps, createLogger, type Deps } from './deps.js'
import { serveMetrics } from './metrics/metrics-server.js'
import { purgeExpired } from './sessions/retention.js'
import { rotateIfDue } from './tokens/rotation.js'

const HOUR = 3_600_000

/** Background upkeep of a serving instance: retention purge hourly, automatic key rotation when configured. */
function startMaintenance(deps: Deps): () => void {
  const run = (what: string, job: () => Promise<unknown>) => () => {
    job().catch((err: unknown) => deps.log.error({ err }, `${what} failed`))
  }
  const purge = run('retention purge', async () => {
    const n = await purgeExpired(deps)
    if (n > 0) deps.log.info({ rows: n }, 'retention purge')
  })
  const rotate = run('automatic key rotation', () => rotateIfDue(deps))
  purge()
  rotate()
  const timers = [setInterval(purge, HOUR), setInterval(rotate, 60_000)]
  for (const t of timers) t.unref()
  return () => timers.forEach(clearInterval)
}

/**
 * `gatehouse serve`: with WORKERS > 1 this process becomes the cluster's primary; otherwise (and
 * in each worker) it builds everything and listens. SIGTERM/SIGINT stop it gracefully: no new
 * connections, requests in flight finish (up to REQUEST_TIMEOUT + 5 s), then pools close.
 */
export async function serve(config: Readonly<Config>): Promise<void> {
  if (config.workers > 1 && cluster.isPrimary) return runPrimary(config, createLogger(config))
  const deps = await createDeps(config)
  const app = await buildApp(deps)
  const stopMaintenance = startMaintenance(deps)
  let metricsServer: Server | null = null
  let closing = false
  const shutdown = async (signal: string) => {
    if (closing) return
    closing = true
    deps.log.info({ signal }, 'shutting down: finishing requests in flight')
    stopMaintenance()
    const force = setTimeout(
      () => {
        deps.log.error('requests still running after the shutdown grace; exiting')
        process.exit(1)
      },
      (config.requestTimeoutSeconds + 5) * 1000,
    )
    force.unref()
    metricsServer?.close()
    // server.close() closes idle keep-alive connections only once; a connection whose request
    // finishes later would idle until its keep-alive timeout. Close each as soon as it idles.
    const sweep = setInterval(() => app.server.closeIdleConnections(), 50)
    await app.close()
    clearInterval(sweep)
    await closeDeps(deps)
    process.exit(0)
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGINT', () => void shutdown('SIGINT'))
  if (cluster.isWorker) {
    // The primary sums every worker's metrics; an orphaned worker (primary gone) stops.
    AggregatorRegistry.setRegistries([deps.metrics.registry])
    // Constructing one is what makes prom-client answer the primary's requests in this worker.
    void new AggregatorRegistry()
    process.on('disconnect', () => void shutdown('primary gone'))
  }
  try {
    const address = await app.listen({ host: config.host, port: config.port })
    if (config.metricsPort !== null && cluster.isPrimary) {
      const registry = deps.metrics.registry
      metricsServer = await serveMetrics(
        config,
        config.metricsPort,
        async () => ({ contentType: registry.contentType, text: await registry.metrics() }),
        deps.log,
      )
    }
    // Start-up warnings once per machine: from the only process, or from the first worker.
    const speaksForMachine = cluster.isPrimary || cluster.worker?.id === 1
    if (!config.smtpUrl && speaksForMachine) {
      deps.log.warn('SMTP_URL is not set: messages, with their links and tokens, are written to this log instead of sent (development only)')
    }
    const loopback = ['127.0.0.1', '::1', 'localhost'].includes(config.host)
    if (!loopback && config.metricsPort === null && config.metricsToken === null && speaksForMachine) {
      deps.log.warn('/metrics is public on the API port: set METRICS_PORT (and keep it internal) or METRICS_TOKEN')
    }
    deps.log.info(
      {
        database: config.database.kind === 'sqlite' ? config.database.path : config.database.kind,
        alg: config.jwtAlg,
        redis: config.redisUrl !== null,
        pid: process.pid,
      },
      `Gatehouse listening on ${address}; interactive docs at ${address}/docs`,
    )
  } catch (err) {
    stopMaintenance()
    metricsServer?.close()
    await app.close()
    await closeDeps(deps)
    throw err
  }
}
