import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client'

/** One registry per app instance, so tests can build many apps in one process. */
export interface Metrics {
  registry: Registry
  httpRequests: Counter<'method' | 'route' | 'status'>
  httpDuration: Histogram<'method' | 'route'>
  /** Fed only by the events sink (events/events.ts), one count per security outcome. */
  events: Counter<'type'>
  hashDuration: Histogram<'op'>
}

export function createMetrics(): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'gatehouse_' })
  return {
    registry,
    httpRequests: new Counter({
      name: 'gatehouse_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'gatehouse_http_request_duration_seconds',
      help: 'HTTP request latency by route',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    events: new Counter({
      name: 'gatehouse_events_total',
      help: 'Security events by type (logins, refreshes, reuse, admin changes)',
      labelNames: ['type'],
      registers: [registry],
    }),
    hashDuration: new Histogram({
      name: 'gatehouse_password_hash_duration_seconds',
      help: 'Password hash and verify time (queueing included)',
      labelNames: ['op'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  }
}
