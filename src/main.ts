import { existsSync } from 'node:fs'
import { buildApp } from './app.js'
import { ConfigError, loadConfig } from './config.js'
import { closeDeps, createDeps } from './deps.js'

/** Entry point: .env → config → deps → app → listen; closes cleanly on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env')
  let config: ReturnType<typeof loadConfig>
  try {
    config = loadConfig(process.env)
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message)
      process.exit(2)
    }
    throw err
  }
  const deps = await createDeps(config)
  const app = await buildApp(deps)
  let closing = false
  const shutdown = async (signal: string) => {
    if (closing) return
    closing = true
    deps.log.info({ signal }, 'shutting down')
    await app.close()
    await closeDeps(deps)
    process.exit(0)
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGINT', () => void shutdown('SIGINT'))
  const address = await app.listen({ host: config.host, port: config.port })
  deps.log.info(
    { database: config.database.kind === 'sqlite' ? config.database.path : config.database.kind, alg: config.jwtAlg },
    `Gatehouse listening on ${address}; interactive docs at ${address}/docs`,
  )
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
