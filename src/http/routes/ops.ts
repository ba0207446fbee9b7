import type { FastifyInstance } from 'fastify'
import type { Deps } from '../../deps/types.js'
import { metricsAllowed } from '../../metrics/metrics-server.js'

/**
 * Liveness, readiness and (unless METRICS_PORT moves them) metrics. Readiness fails (503) only
 * for the database, without which nothing works; Redis down is "degraded": every request is
 * still served correctly (limits per instance, revocation read from the database), so a load
 * balancer must not take every instance out because Redis went away.
 */
export function registerOpsRoutes(app: FastifyInstance, deps: Deps): void {
  const hidden = { tags: ['operations'] }
  app.get('/healthz', { schema: { ...hidden, summary: 'Process is alive' } }, async function healthz() {
    return { status: 'ok' }
  })

  app.get('/readyz', { schema: { ...hidden, summary: 'Database reachable (and Redis, when configured)' } }, async function readyz(request, reply) {
    const redis = deps.shared.redisStatus()
    try {
      await deps.store.ping()
    } catch (err) {
      request.log.error({ err }, 'readiness check failed')
      return reply.code(503).send({ detail: 'Storage unavailable', status: 'unavailable', checks: { database: 'down', redis } })
    }
    return { status: redis === 'down' ? 'degraded' : 'ready', checks: { database: 'up', redis } }
  })

  if (deps.config.metricsPort === null) registerMetricsRoute(app, deps)
}

/** GET /metrics: Prometheus text; with METRICS_TOKEN, only for `Authorization: Bearer <token>`. */
function registerMetricsRoute(app: FastifyInstance, deps: Pick<Deps, 'config' | 'metrics' | 'shared'>): void {
  app.get('/metrics', { schema: { tags: ['operations'], summary: 'Prometheus metrics' } }, async function metrics(request, reply) {
    if (!metricsAllowed(deps.config, request.headers.authorization)) {
      return reply.code(401).header('www-authenticate', 'Bearer').send({ detail: 'Not authenticated' })
    }
    reply.header('content-type', deps.metrics.registry.contentType)
    // In a cluster worker, every worker's counts (a scrape may reach any worker).
    return deps.shared.clusterMetrics ? deps.shared.clusterMetrics() : deps.metrics.registry.metrics()
  })
}
