import type { Command } from 'commander'
import { verifyAuditChain } from '../../events/audit-log.js'
import { CommandFailed, type Env, withBase } from '../context.js'

export function registerAuditCommands(program: Command, env: Env, out: (line: string) => void): void {
  const audit = program.command('audit').description('the audit log')
  audit
    .command('verify')
    .description('check the hash chain: exit 0 when intact, 1 naming the first event where it breaks')
    .action(async () => {
      await withBase(env, async (base) => {
        const report = await verifyAuditChain(base.store)
        if (!report.ok) throw new CommandFailed(`audit log broken at event ${report.brokenAt}: ${report.reason} (${report.count} events before it verify)`)
        // The head hash is what to keep elsewhere: a later run whose chain no longer contains it was rewritten.
        out(`audit log intact: ${report.count} events; head ${report.head}`)
      })
    })
}
