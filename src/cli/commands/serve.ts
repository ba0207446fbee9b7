import type { Command } from 'commander'
import { openConfiguredStore } from '../../deps.js'
import { serve } from '../../server.js'
import { cliConfig, type Env } from '../context.js'

export function registerServeCommands(program: Command, env: Env, out: (line: string) => void): void {
  program
    .command('serve')
    .description('serve the HTTP API (what npm start runs)')
    .action(async () => {
      await serve(cliConfig(env))
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
