import type { Command } from 'commander'
import { normalizeEmail } from '../../accounts/username.js'
import { smtpMailer } from '../../mail/mailer.js'
import { loadTemplates } from '../../mail/templates.js'
import { cliConfig, CommandFailed, type Env, UsageError } from '../context.js'

export function registerMailCommands(program: Command, env: Env, out: (line: string) => void): void {
  const mail = program.command('mail').description('email delivery')

  mail
    .command('test <address>')
    .description('send a test message now (straight to SMTP_URL, not through the outbox); exit 1 when the server refuses it')
    .action(async (address: string) => {
      const config = cliConfig(env)
      const to = normalizeEmail(address)
      if (!to) throw new UsageError(`not an email address: ${address}`)
      const message = loadTemplates(config.mailTemplatesDir)('test', { app: config.appName })
      if (!config.smtpUrl) {
        out(`SMTP_URL is not set, so the server writes messages to its log. This one would read:\n\nTo: ${to}\nSubject: ${message.subject}\n\n${message.text}`)
        return
      }
      const mailer = smtpMailer(config.smtpUrl, config.mailFrom)
      try {
        await mailer.send({ to, ...message })
      } catch (err) {
        throw new CommandFailed(`the mail server did not take the message: ${(err as Error).message}`)
      } finally {
        mailer.close()
      }
      out(`sent a test message to ${to}`)
    })
}
