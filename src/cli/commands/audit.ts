import type { Command } from 'commander'
import { type ChainReport, verifyAuditChain } from '../../events/audit-log.js'
import { CommandFailed, type Env, withBase } from '../context.js'

/**
 * One object, every key always present, for a log store outside the database: a head seen there
 * must stay in the chain and `events` must never go down.
 */
const toJson = (r: ChainReport, at: Date) => ({
  ok: r.ok,
  events: r.count,
  head: r.ok ? r.head : null,
  broken_at: r.ok ? null : r.brokenAt,
  reason: r.ok ? null : r.reason,
  checked_at: at.toISOString(),
})

export function registerAuditCommands(program: Command, env: Env, out: (line: string) => void): void {
  const audit = program.command('audit').description('the audit log')
  audit
    .command('verify')
    .description('check the hash chain: exit 0 when intact, 1 naming the first event where it breaks')
    .option('--json', 'one JSON object on stdout (intact or not): ok, events, head, broken_at, reason, checked_at')
    .action(async (opts: { json?: boolean }) => {
      await withBase(env, { publishesChanges: false }, async (base) => {
        const report = await verifyAuditChain(base.store)
        if (opts.json) out(JSON.stringify(toJson(report, base.clock())))
        if (!report.ok) throw new CommandFailed(`audit log broken at event ${report.brokenAt}: ${report.reason} (${report.count} events before it verify)`)
        // The head hash is what to keep elsewhere: a later run whose chain no longer contains it was rewritten.
        if (!opts.json) out(`audit log intact: ${report.count} events; head ${report.head}`)
      })
    })
}
