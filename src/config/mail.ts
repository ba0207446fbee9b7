/** Email: delivery (SMTP_URL, MAIL_FROM), links (PUBLIC_URL), and the verification policy. */

export interface MailConfig {
  /** smtp:// or smtps:// (user:password allowed); null: messages go to the log (development). Never logged. */
  smtpUrl: string | null
  mailFrom: string
  /** Base of the links in messages. */
  publicUrl: string
  /** The service's name in messages. */
  appName: string
  /** `required`: a password login needs a verified email (after the right password only). */
  emailVerification: 'optional' | 'required'
  emailVerifyTtlSeconds: number
  passwordResetTtlSeconds: number
  /** A folder whose templates replace the built-in ones (same file names). */
  mailTemplatesDir: string | null
}

type Get = (name: string) => string | undefined
type Duration = (name: string, dflt: string) => number

export function parseMail(get: Get, duration: Duration, issuer: string, problems: string[]): MailConfig {
  const smtpUrl = get('SMTP_URL') ?? null
  if (smtpUrl !== null && !/^smtps?:\/\/[^/]/.test(smtpUrl)) problems.push('SMTP_URL: must be smtp://host:port or smtps://host:port (user:password@ allowed)')
  const publicUrl = (get('PUBLIC_URL') ?? issuer).replace(/\/+$/, '')
  if (!/^https?:\/\/[^/]/.test(publicUrl)) problems.push(`PUBLIC_URL: must be an http(s) URL (got "${publicUrl}")`)
  const mailFrom = get('MAIL_FROM') ?? 'Gatehouse <no-reply@localhost>'
  if (/[\r\n]/.test(mailFrom)) problems.push('MAIL_FROM: one line')
  const appName = get('APP_NAME') ?? 'Gatehouse'
  if (/[\r\n<>]/.test(appName) || appName.length > 64) problems.push('APP_NAME: one line, at most 64 characters, no < or >')
  const verification = get('EMAIL_VERIFICATION') ?? 'optional'
  if (verification !== 'optional' && verification !== 'required') problems.push(`EMAIL_VERIFICATION: must be optional or required (got "${verification}")`)
  return {
    smtpUrl,
    mailFrom,
    publicUrl,
    appName,
    emailVerification: verification === 'required' ? 'required' : 'optional',
    emailVerifyTtlSeconds: duration('EMAIL_VERIFY_TTL', '24h'),
    passwordResetTtlSeconds: duration('PASSWORD_RESET_TTL', '1h'),
    mailTemplatesDir: get('MAIL_TEMPLATES_DIR') ?? null,
  }
}
