import type { AddressInfo } from 'node:net'
import type { TestContext } from 'node:test'
import { SMTPServer } from 'smtp-server'

export interface Received {
  to: string[]
  raw: string
  /** The raw message with quoted-printable undone (soft breaks joined, =3D back to =). */
  decoded: string
}

/** A real SMTP server in the test process. `failNext(n)`: the next n messages get 451 (try later). */
export async function startSmtp(t: TestContext, opts: { delayMs?: number } = {}) {
  const received: Received[] = []
  let failures = 0
  let refused = 0
  let permanent = false
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      let raw = ''
      stream.on('data', (d: Buffer) => (raw += d.toString('utf8')))
      stream.on('end', () => {
        const finish = () => {
          if (failures > 0) {
            failures--
            refused++
            return callback(Object.assign(new Error(permanent ? 'no such mailbox' : 'try again later'), { responseCode: permanent ? 550 : 451 }))
          }
          const decoded = raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)))
          received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw, decoded })
          callback()
        }
        if (opts.delayMs) setTimeout(finish, opts.delayMs)
        else finish()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const port = (server.server.address() as AddressInfo).port
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    failNext: (n: number, opts: { permanent?: boolean } = {}) => {
      failures = n
      permanent = opts.permanent ?? false
    },
    refusedCount: () => refused,
    /** Waits for the `count`th message (polling; the sender delivers in the background). */
    async waitFor(count: number, timeoutMs = 10_000): Promise<Received[]> {
      const until = Date.now() + timeoutMs
      while (received.length < count) {
        if (Date.now() > until) throw new Error(`expected ${count} messages, got ${received.length}`)
        await new Promise((r) => setTimeout(r, 20))
      }
      return received
    },
  }
}

/** The token in a message's link (`token=<value>`). */
export function tokenIn(m: Received): string {
  const match = /token=([A-Za-z0-9_-]{43})/.exec(m.decoded)
  if (!match) throw new Error(`no token in:\n${m.decoded}`)
  return match[1]!
}
