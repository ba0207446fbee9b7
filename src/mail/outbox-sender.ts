import type { Logger } from 'pino'
import type { OutboxStore } from '../store/store.js'
import type { Mailer } from './mailer.js'

/**
 * A lease must outlast the batch it covers, or another sender would claim (and send) the same
 * messages again: 5 messages at most 40 s each (the SMTP timeouts) stay well inside 300 s. And
 * marking a message needs the claim's id, so a sender whose lease ran out anyway changes nothing.
 */
const BATCH = 5
const LEASE_SECONDS = 300
/** Retry after 5 s, doubling up to an hour: an SMTP outage delays mail, never drops it... */
const retryDelaySeconds = (attempts: number) => Math.min(3600, 5 * 2 ** Math.min(attempts, 20))
/** ...until its links have expired anyway (the longest token lives 24 h by default). */
const GIVE_UP_AFTER_SECONDS = 2 * 86_400

/**
 * Delivers the outbox: claims due messages (a lease, so several workers or instances never send
 * one twice while it runs), sends each, deletes it when accepted, and reschedules it when not.
 * `kick()` runs a round soon (a request just queued mail); otherwise it polls every `pollMs`.
 */
export type RequestHandler = (data: string | null) => Promise<void>

const KICK_DELAY_MS = 10

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
      const age = (deps.clock().getTime() - m.createdAt.getTime()) / 1000
      if (age > GIVE_UP_AFTER_SECONDS) {
        deps.log.error({ outboxId: m.id, kind: m.kind, attempts: m.attempts }, 'mail given up: not accepted within two days')
        await deps.store.markMailSent(m.id, m.claimId)
        continue
      }
      try {
        if (m.kind !== 'mail') {
          // A request (e.g. a password reset asked for an address): its handler queues the mail, if any.
          const handler = deps.handlers.get(m.kind)
          if (!handler) throw new Error(`no handler for outbox requests of kind ${m.kind}`)
          await handler(m.data)
        } else if (m.to !== null) {
          await deps.mailer.send({ to: m.to, subject: m.subject, text: m.text, html: m.html })
        }
        await deps.store.markMailSent(m.id, m.claimId)
      } catch (err) {
        const e = err as { message?: string; responseCode?: number }
        // 5xx: the server will never take it (no such mailbox, refused): retrying only repeats that.
        if (typeof e.responseCode === 'number' && e.responseCode >= 500) {
          deps.log.error({ outboxId: m.id, responseCode: e.responseCode, reason: e.message }, 'mail refused for good by the server; dropped')
          await deps.store.markMailSent(m.id, m.claimId)
          continue
        }
        const delay = retryDelaySeconds(m.attempts)
        deps.log.warn({ outboxId: m.id, reason: e.message, attempt: m.attempts + 1, retryInSeconds: delay }, 'mail not sent; will retry')
        await deps.store.markMailFailed(m.id, m.claimId, new Date(deps.clock().getTime() + delay * 1000), e.message ?? 'error')
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
    // A few milliseconds later, not at once: the request that queued the work has answered by
    // then, so the work a known address causes (a token, a message) never overlaps that request's
    // own time, whatever carries the answer (an enumeration oracle on a busy instance otherwise).
    kick: () => {
      setTimeout(run, KICK_DELAY_MS)
    },
    async stop() {
      stopped = true
      clearInterval(timer)
      await running
      deps.mailer.close()
    },
  }
}
