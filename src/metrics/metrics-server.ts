import { createHash, timingSafeEqual } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { Logger } from 'pino'
import type { Config } from '../config.js'

/** Whether a request may read the metrics: always without METRICS_TOKEN, else only with `Bearer <token>`. */
export function metricsAllowed(config: Pick<Config, 'metricsToken'>, authorization: string | undefined): boolean {
  if (config.metricsToken === null) return true
  const m = /^Bearer (\S+)$/.exec(authorization ?? '')
  if (m === null) return false
  // Equal-length digests: the comparison's time says nothing about the token or its length.
  const digest = (v: string) => createHash('sha256').update(v).digest()
  return timingSafeEqual(digest(m[1]!), digest(config.metricsToken))
}

/**
 * METRICS_PORT: /metrics on its own listener (on HOST), so the API port never shows operational
 * data and a firewall can keep the metrics port internal. Nothing else is served there.
 */
export function serveMetrics(
  config: Readonly<Config>,
  port: number,
  collect: () => Promise<{ contentType: string; text: string }>,
  log: Logger,
): Promise<Server> {
  const json = (status: number, detail: string, extra: Record<string, string> = {}) =>
    [status, { 'content-type': 'application/json', ...extra }, JSON.stringify({ detail })] as const
  const server = createServer((req, res) => {
    let answer: readonly [number, Record<string, string>, string] | null = null
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') answer = json(404, 'Not Found')
    else if (!metricsAllowed(config, req.headers.authorization)) answer = json(401, 'Not authenticated', { 'www-authenticate': 'Bearer' })
    if (answer) {
      res.writeHead(answer[0], answer[1]).end(answer[2])
      return
    }
    collect().then(
      ({ contentType, text }) => res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(text),
      (err: unknown) => {
        log.error({ err }, 'collecting metrics failed')
        const [status, headers, body] = json(503, 'Metrics unavailable')
        res.writeHead(status, headers).end(body)
      },
    )
  })
  server.headersTimeout = 10_000
  server.requestTimeout = 10_000
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, config.host, () => {
      server.off('error', reject)
      const address = server.address()
      log.info(`metrics on http://${config.host}:${typeof address === 'object' && address ? address.port : port}/metrics`)
      resolve(server)
    })
  })
}
