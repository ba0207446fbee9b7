import type { Logger } from 'pino'
import type { OutboxStore } from '../store/store.js'
import type { Mailer } from './mailer.js'

const BATCH = 20
const LEASE_SECONDS = 120
/** Retry after 5 s, doubling up to an hour: an SMTP outage delays mail, never drops it. */
export const retryDelaySeconds = (attempts: number) => Math.min(3600, 5 * 2 ** Math.min(attempts, 20))

/**
 * Delivers the outbox: claims due messages (a lease, so several workers or instances never send
 * one twice while it runs), sends each, deletes it when accepted, and reschedules it when not.
 * `kick()` runs a round soon (a request just queued mail); otherwise it polls every `pollMs`.
 */
export type RequestHandler = (data: string | null) => Promise<void>

export function startMailSender(
  deps: { store: OutboxStore; mailer: Mailer; clock: () => Date; log: Logger; handlers: ReadonlyMap<string, RequestHandler> },
  pollMs = 1_000,
): { kick(): void; stop(): Promise<void> } {
  let running: Promise<void> | null = null
  let again = false
  let stopped = false
  const round = async () => {
    const batch = await deps.store.claimMail(deps.clock(), BATCH, LEASE_SECONDS)
    for (const m of batch) {
      try {
        if (m.kind !== 'mail') {
          // A request (e.g. a password reset asked for an address): its handler queues the mail, if any.
          const handler = deps.handlers.get(m.kind)
          if (!handler) throw new Error(`no handler for outbox requests of kind ${m.kind}`)
          await handler(m.data)
        } else if (m.to !== null) {
          await deps.mailer.send({ to: m.to, subject: m.subject, text: m.text, html: m.html })
        }
        await deps.store.markMailSent(m.id)
      } catch (err) {
        const delay = retryDelaySeconds(m.attempts)
        deps.log.warn({ err: { message: (err as Error).message }, attempt: m.attempts + 1, retryInSeconds: delay }, 'mail not sent; will retry')
        await deps.store.markMailFailed(m.id, new Date(deps.clock().getTime() + delay * 1000), (err as Error).message ?? 'error')
      }
    }
    if (batch.length === BATCH) again = true
  }
  const run = () => {
    if (stopped) return
    if (running) {
      again = true
      return
    }
    running = round()
      .catch((err: unknown) => deps.log.error({ err }, 'mail outbox round failed'))
      .finally(() => {
        running = null
        if (again) {
          again = false
          setImmediate(run)
        }
      })
  }
  const timer = setInterval(run, pollMs)
  timer.unref()
  return {
    kick: () => setImmediate(run),
    async stop() {
      stopped = true
      clearInterval(timer)
      await running
      deps.mailer.close()
    },
  }
}
