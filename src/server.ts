import cluster from 'node:cluster'
import type { Server } from 'node:http'
import { AggregatorRegistry } from 'prom-client'
import { buildApp } from './app.js'
import { runPrimary } from './cluster/primary.js'
import type { Config } from './config.js'
import { closeDeps, createDeps, createLogger } from './deps/create.js'
import { registerJobHandlers } from './jobs/handlers.js'
import { serveMetrics } from './metrics/metrics-server.js'
import { startupWarnings } from './startup-warnings.js'
import { startUpkeep } from './upkeep.js'

/**
 * `gatehouse serve`: with WORKERS > 1 this process becomes the cluster's primary; otherwise (and
 * in each worker) it builds everything and listens. SIGTERM/SIGINT stop it gracefully: no new
 * connections, requests in flight finish (up to REQUEST_TIMEOUT + 5 s), then pools close.
 */
export async function serve(config: Readonly<Config>): Promise<void> {
  if (config.workers > 1 && cluster.isPrimary) return runPrimary(config, createLogger(config))
  const deps = await createDeps(config)
  registerJobHandlers(deps)
  const app = await buildApp(deps)
  const stopUpkeep = startUpkeep(deps)
  let metricsServer: Server | null = null
  let closing = false
  const shutdown = async (signal: string) => {
    if (closing) return
    closing = true
    deps.log.info({ signal }, 'shutting down: finishing requests in flight')
    stopUpkeep()
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
    if (speaksForMachine) for (const warning of startupWarnings(config)) deps.log.warn(warning)
    deps.log.info(
      {
        database: config.database.kind === 'sqlite' ? config.database.path : config.database.kind,
        alg: config.jwtAlg,
        redis: config.redisUrl !== null,
        pid: process.pid,
      },
      `Gatehouse listening on ${address}; interactive docs at ${address}/docs${config.accountPages ? `; sign in at ${address}/account/login` : ''}`,
    )
  } catch (err) {
    stopUpkeep()
    metricsServer?.close()
    await app.close()
    await closeDeps(deps)
    throw err
  }
}
