import { existsSync } from 'node:fs'
import { Command, CommanderError } from 'commander'
import { registerAuditCommands } from './commands/audit.js'
import { registerClientsCommands } from './commands/clients.js'
import { registerKeysCommands } from './commands/keys.js'
import { registerMailCommands } from './commands/mail.js'
import { registerServeCommands } from './commands/serve.js'
import { registerUsersCommands } from './commands/users.js'
import { StoreOpenError } from '../store/open-error.js'
import { CommandFailed, UsageError } from './context.js'
import { packageVersion } from '../version.js'

/**
 * `gatehouse <command>`: exit 0 on success, 1 when the command fails, 2 on a usage or
 * configuration error, with the reason on stderr. Reads `.env` and the environment as the server does.
 */
export async function runCli(argv: string[]): Promise<number> {
  if (existsSync('.env')) process.loadEnvFile('.env')
  const env = { ...process.env }
  const out = (line: string) => process.stdout.write(`${line}\n`)
  const program = new Command('gatehouse')
    .description('Gatehouse: self-hosted authentication API')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
  registerServeCommands(program, env, out)
  registerUsersCommands(program, env, out)
  registerKeysCommands(program, env, out)
  registerAuditCommands(program, env, out)
  registerMailCommands(program, env, out)
  registerClientsCommands(program, env, out)
  // Every subcommand reports usage errors through exitOverride too.
  const override = (c: Command) => {
    c.exitOverride()
    c.commands.forEach(override)
  }
  override(program)
  try {
    await program.parseAsync(argv, { from: 'user' })
    return 0
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version "fail" with exit code 0; everything else commander raises is usage.
      return err.exitCode === 0 ? 0 : 2
    }
    if (err instanceof UsageError) {
      process.stderr.write(`gatehouse: ${err.message}\n`)
      return 2
    }
    // A database that cannot be opened is an operator's expected mistake: what and why, no stack.
    if (err instanceof CommandFailed || err instanceof StoreOpenError) {
      process.stderr.write(`gatehouse: ${err.message}\n`)
      return 1
    }
    process.stderr.write(`gatehouse: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    return 1
  }
}
