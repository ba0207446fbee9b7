import type { FastifyInstance } from 'fastify'
import type { Deps } from '../../deps.js'

export function registerOpsRoutes(app: FastifyInstance, deps: Deps): void {
  const hidden = { tags: ['operations'] }
  app.get('/healthz', { schema: { ...hidden, summary: 'Process is alive' } }, async function healthz() {
    return { status: 'ok' }
  })

  app.get('/readyz', { schema: { ...hidden, summary: 'Storage is reachable' } }, async function readyz(request, reply) {
    try {
      await deps.store.ping()
      return { status: 'ready' }
    } catch (err) {
      request.log.error({ err }, 'readiness check failed')
      return reply.code(503).send({ detail: 'Storage unavailable' })
    }
  })

  app.get('/metrics', { schema: { ...hidden, summary: 'Prometheus metrics' } }, async function metrics(_request, reply) {
    reply.header('content-type', deps.metrics.registry.contentType)
    return deps.metrics.registry.metrics()
  })
}
