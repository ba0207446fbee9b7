import { buildApp } from './app.js'
import type { Config } from './config.js'
import { closeDeps, createDeps, type Deps } from './deps.js'
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

/** `gatehouse serve`: builds everything, listens, and closes cleanly on SIGTERM/SIGINT. */
export async function serve(config: Readonly<Config>): Promise<void> {
  const deps = await createDeps(config)
  const app = await buildApp(deps)
  const stopMaintenance = startMaintenance(deps)
  let closing = false
  const shutdown = async (signal: string) => {
    if (closing) return
    closing = true
    deps.log.info({ signal }, 'shutting down')
    stopMaintenance()
    await app.close()
    await closeDeps(deps)
    process.exit(0)
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGINT', () => void shutdown('SIGINT'))
  try {
    const address = await app.listen({ host: config.host, port: config.port })
    deps.log.info(
      { database: config.database.kind === 'sqlite' ? config.database.path : config.database.kind, alg: config.jwtAlg },
      `Gatehouse listening on ${address}; interactive docs at ${address}/docs`,
    )
  } catch (err) {
    stopMaintenance()
    await app.close()
    await closeDeps(deps)
    throw err
  }
}
