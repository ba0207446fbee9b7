import type { Command } from 'commander'
import { openConfiguredStore } from '../../deps/create.js'
import { serve } from '../../server.js'
import { cliConfig, type Env } from '../context.js'

export function registerServeCommands(program: Command, env: Env, out: (line: string) => void): void {
  program
    .command('serve')
    .description('serve the HTTP API (what npm start runs)')
    .option('--workers <n>', 'processes serving on this machine (overrides WORKERS)')
    .action(async (opts: { workers?: string }) => {
      await serve(cliConfig(opts.workers === undefined ? env : { ...env, WORKERS: opts.workers }))
    })

  program
    .command('migrate')
    .description('create the database or bring its schema up to date, then exit')
    .action(async () => {
      const config = cliConfig(env)
      const store = await openConfiguredStore(config)
      await store.close()
      out(`database is up to date (${config.database.kind === 'sqlite' ? config.database.path : config.database.kind})`)
    })
}
