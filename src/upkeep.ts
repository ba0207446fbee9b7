import type { Deps } from './deps/types.js'
import { purgeExpired } from './sessions/retention.js'
import { rotateIfDue } from './tokens/rotation.js'

const HOUR = 3_600_000

/**
 * Background upkeep of a serving instance: retention purge hourly, automatic key rotation when
 * configured. Every instance runs it (both jobs are safe to run concurrently on a shared store);
 * `serve` and `createGatehouse` start it, so an embedded Gatehouse keeps its tables and keys too.
 * @returns a function that stops it.
 */
export function startUpkeep(deps: Deps): () => void {
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
