import type { Logger } from 'pino'
import type { Config } from '../config.js'
import type { OutboxStore } from '../store/store.js'
import { logMailer, type Mailer, smtpMailer } from './mailer.js'
import { type RequestHandler, startMailSender } from './outbox-sender.js'
import { loadTemplates, type Rendered, type TemplateName } from './templates.js'

/** What services need to send mail: render a template, and nudge the sender after queuing. */
export interface MailService {
  render(name: TemplateName, values: Record<string, string>): Rendered
  /** The link a token travels in (the token also appears as `token=<value>` in it). */
  link(path: 'verify-email' | 'reset-password', token: string): string
  /** A message was queued: deliver soon rather than at the next poll. */
  kick(): void
  /** Who turns outbox requests of `kind` into messages (registered once, when everything is built). */
  handle(kind: string, handler: RequestHandler): void
  stop(): Promise<void>
}

const createMailer = (config: Readonly<Config>, log: Logger): Mailer => (config.smtpUrl ? smtpMailer(config.smtpUrl, config.mailFrom) : logMailer(log))

/** Templates, links and (when `store` is given) the background sender of this process. */
export function createMailService(config: Readonly<Config>, log: Logger, clock: () => Date, store: OutboxStore | null): MailService {
  const render = loadTemplates(config.mailTemplatesDir)
  const handlers = new Map<string, RequestHandler>()
  const sender = store ? startMailSender({ store, mailer: createMailer(config, log), clock, log, handlers }) : null
  return {
    render: (name, values) => render(name, { app: config.appName, ...values }),
    link: (path, token) => `${config.publicUrl}/account/${path}?token=${token}`,
    kick: () => sender?.kick(),
    handle: (kind, handler) => void handlers.set(kind, handler),
    stop: async () => sender?.stop(),
  }
}

/** "24 hours", "1 hour", "30 minutes": the expiry as a person reads it. */
export function humanDuration(seconds: number): string {
  const units: [number, string][] = [
    [86_400, 'day'],
    [3_600, 'hour'],
    [60, 'minute'],
  ]
  for (const [size, name] of units) {
    if (seconds >= size && seconds % size === 0) {
      const n = seconds / size
      if (name === 'day' && n === 1) return '24 hours'
      return `${n} ${name}${n === 1 ? '' : 's'}`
    }
  }
  return `${seconds} seconds`
}
