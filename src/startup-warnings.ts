import { type Config, defaultIssuer } from './config.js'

/** 127.0.0.0/8, ::1 (also IPv4-mapped) and localhost: only this machine reaches them. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '')
  return h === 'localhost' || h === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)
}

type WarnedAbout = Pick<Config, 'smtpUrl' | 'metricsPort' | 'metricsToken' | 'host' | 'port' | 'issuer' | 'webauthnOff'>

/**
 * What a serving instance warns about once at start (server.ts logs each, from one process per
 * machine): settings that work but are wrong for anything beyond a laptop.
 */
export function startupWarnings(config: Readonly<WarnedAbout>): string[] {
  const warnings: string[] = []
  const loopback = isLoopback(config.host)
  if (!config.smtpUrl) {
    warnings.push('SMTP_URL is not set: messages, with their links and tokens, are written to this log instead of sent (development only)')
  }
  // On loopback too: the usual reverse proxy in front forwards every path, /metrics included.
  if (config.metricsPort === null && config.metricsToken === null) {
    warnings.push(
      loopback
        ? '/metrics is on the API port without a token: a reverse proxy in front of this loopback address makes it public unless it blocks the path; set METRICS_PORT (and keep it internal) or METRICS_TOKEN'
        : '/metrics is public on the API port: set METRICS_PORT (and keep it internal) or METRICS_TOKEN',
    )
  }
  // Every token carries `iss`, and every verifier compares it with the URL it knows this server by:
  // a listening address (0.0.0.0, a pod IP) is never that URL, so tokens would be refused elsewhere.
  if (!loopback && config.issuer === defaultIssuer(config.host, config.port)) {
    warnings.push(
      `ISSUER is left to its default, ${config.issuer} (from HOST and PORT): where this server listens, not a URL other services know it by, and they compare it with every token's iss; set ISSUER to the public URL (such as https://auth.example.com)`,
    )
  }
  // Left to the defaults on an IP address, passkeys are off rather than a reason not to start.
  if (config.webauthnOff) warnings.push(config.webauthnOff)
  return warnings
}
