import nodemailer from 'nodemailer'
import type { Logger } from 'pino'

export interface MailMessage {
  to: string
  subject: string
  text: string
  html: string
}

/** Hands a message to the mail system; rejects when it was not accepted (the outbox retries). */
export interface Mailer {
  send(m: MailMessage): Promise<void>
  close(): void
}

/** SMTP through nodemailer, with short timeouts so a dead server fails fast and is retried later. */
export function smtpMailer(url: string, from: string): Mailer {
  // Timeouts go in the URL's query (nodemailer reads them there), so a dead server fails fast.
  const u = new URL(url)
  for (const [k, v] of [
    ['connectionTimeout', '10000'],
    ['greetingTimeout', '10000'],
    ['socketTimeout', '20000'],
  ] as const)
    if (!u.searchParams.has(k)) u.searchParams.set(k, v)
  const transport = nodemailer.createTransport(u.toString())
  return {
    async send(m) {
      await transport.sendMail({ from, to: m.to, subject: m.subject, text: m.text, html: m.html })
    },
    close: () => transport.close(),
  }
}

/**
 * Without SMTP_URL (development): each message is written to the log, link and token included,
 * so a developer can follow it. Never use this in production: set SMTP_URL.
 */
export function logMailer(log: Pick<Logger, 'info'>): Mailer {
  return {
    async send(m) {
      log.info({ mail: { to: m.to, subject: m.subject, text: m.text } }, 'mail (no SMTP_URL: written to the log instead of sent)')
    },
    close: () => {},
  }
}
