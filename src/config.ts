import { isIP } from 'node:net'
import { availableParallelism } from 'node:os'
import { parseDurationSeconds } from './lib/duration.js'

export type JwtAlg = 'EdDSA' | 'ES256' | 'RS256' | 'HS256'
export const JWT_ALGS: readonly JwtAlg[] = ['EdDSA', 'ES256', 'RS256', 'HS256']
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

import { type DeploymentConfig, parseDeployment } from './config/deployment.js'
import { type MailConfig, parseMail } from './config/mail.js'
import { type MfaConfig, parseMfa } from './config/mfa.js'
import { MIN_PROXY_PREFIX, tooWideProxyRange } from './config/trust-proxy.js'
import { parseWebauthn, type WebauthnConfig } from './config/webauthn.js'

export type { DatabaseConfig, DeploymentConfig } from './config/deployment.js'
export type { WebauthnSettings } from './config/webauthn.js'

export interface Argon2Params {
  /** KiB of memory per hash (OWASP minimum for argon2id: 19456 = 19 MiB). */
  memoryCost: number
  timeCost: number
  parallelism: number
}

export interface Config extends DeploymentConfig, MailConfig, MfaConfig, WebauthnConfig {
  host: string
  port: number
  issuer: string
  audience: string
  jwtAlg: JwtAlg
  /** HS256 only; never logged. */
  jwtSecret: string | null
  accessTokenTtlSeconds: number
  /** Absolute session lifetime: a refresh token never outlives it. */
  refreshTokenTtlSeconds: number
  /** A session not refreshed for this long ends. */
  sessionIdleTtlSeconds: number
  /** Clock skew tolerated when checking `exp`/`iat` (RFC 8725 §3.10 keeps it small). */
  jwtLeewaySeconds: number
  registration: 'open' | 'closed'
  rateLimit: boolean
  /** ACCOUNT_PAGES: the /account pages (and, with them, the authorization endpoint's login step). */
  accountPages: boolean
  logLevel: (typeof LOG_LEVELS)[number]
  passwordMinLength: number
  bodyLimitBytes: number
  /** X-Forwarded-For handling: false (ignored), or the proxies trusted (addresses, CIDRs, proxy-addr names). */
  trustProxy: false | string[]
  argon2: Argon2Params
  /** How many password hashes may run at once (each pins one core). */
  hashConcurrency: number
  /** How many more may wait; past that, 503 with Retry-After (a queue with a bound). */
  hashQueueMax: number
  /** Password-checking requests in flight from one client address (IPv6 by /64); more get 429. */
  hashPerAddress: number
  /** A request (headers and body) must arrive within this; a client dripping bytes gets 408. */
  requestTimeoutSeconds: number
  /** A rotated refresh token replayed within this gets the same successor back (0: off). */
  refreshReuseGraceSeconds: number
  /** How long verifiers may cache the JWKS (its Cache-Control max-age). */
  jwksMaxAgeSeconds: number
  /** How long a new key is published before it signs. */
  keyPublishLeadSeconds: number
  /** Rotate the signing key automatically this often; null: only by hand. */
  keyRotationIntervalSeconds: number | null
  /** Ended and expired sessions and spent refresh tokens are deleted this long after (audit is kept). */
  sessionRetentionSeconds: number
  /** The longest a failed-login back-off lasts (per account, NIST SP 800-63B §5.2.2). */
  loginBackoffMaxSeconds: number
  /** Browser origins allowed to call the API (CORS); empty: CORS off. */
  corsOrigins: readonly string[]
  /** Which scopes each role grants. Every user has roles; a token's scopes never exceed its user's roles'. */
  roleScopes: Readonly<Record<string, readonly string[]>>
}

/** ISSUER when unset: where it listens, which suits only a laptop (start-up warns otherwise). */
export const defaultIssuer = (host: string, port: number): string => `http://${host.includes(':') ? `[${host}]` : host}:${port}`

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`)
    this.name = 'ConfigError'
  }
}

export type Env = Record<string, string | undefined>

/**
 * Reads and validates every setting at once. Pure: the only input is `env`.
 * @throws ConfigError listing every problem, each naming its variable.
 */
export function loadConfig(env: Env): Readonly<Config> {
  const problems: string[] = []
  const get = (name: string): string | undefined => {
    const v = env[name]
    return v === undefined || v.trim() === '' ? undefined : v.trim()
  }
  const oneOf = <T extends string>(name: string, allowed: readonly T[], dflt: T): T => {
    const v = get(name) ?? dflt
    if ((allowed as readonly string[]).includes(v)) return v as T
    problems.push(`${name}: must be one of ${allowed.join(', ')} (got "${v}")`)
    return dflt
  }
  const int = (name: string, dflt: number, min: number, max: number): number => {
    const v = get(name)
    if (v === undefined) return dflt
    const n = Number(v)
    if (Number.isInteger(n) && n >= min && n <= max) return n
    problems.push(`${name}: must be a whole number from ${min} to ${max} (got "${v}")`)
    return dflt
  }
  const duration = (name: string, dflt: string, opts: { zero?: boolean } = {}): number => {
    const v = get(name) ?? dflt
    if (opts.zero && /^\s*0+\s*(ms|s|m|h|d)?\s*$/.test(v)) return 0
    const s = parseDurationSeconds(v)
    if (s !== null) return s
    problems.push(`${name}: must be a duration such as 90s, 30m, 1h or 30d (got "${v}")`)
    return parseDurationSeconds(dflt)!
  }
  const flag = (name: string, dflt: 'on' | 'off'): boolean => oneOf(name, ['on', 'off'], dflt) === 'on'

  const host = get('HOST') ?? '127.0.0.1'
  const port = int('PORT', 8000, 0, 65535)
  const deployment = parseDeployment(get, int, port, problems)
  const jwtAlg = oneOf('JWT_ALG', JWT_ALGS, 'EdDSA')
  const jwtSecret = env.JWT_SECRET && env.JWT_SECRET.length > 0 ? env.JWT_SECRET : null
  if (jwtAlg === 'HS256') {
    // RFC 7518 §3.2: an HS256 key must be at least as long as the hash output (32 bytes).
    if (jwtSecret === null) problems.push('JWT_SECRET: required when JWT_ALG=HS256 (at least 32 bytes)')
    else if (Buffer.byteLength(jwtSecret, 'utf8') < 32) problems.push('JWT_SECRET: must be at least 32 bytes for HS256')
  } else if (jwtSecret !== null) {
    problems.push(`JWT_SECRET: only used with JWT_ALG=HS256; unset it or set JWT_ALG=HS256 (JWT_ALG is ${jwtAlg})`)
  }
  const issuer = get('ISSUER') ?? defaultIssuer(host, port)
  if (!/^https?:\/\/[^\s]+$/.test(issuer)) problems.push(`ISSUER: must be an http(s) URL (got "${issuer}")`)
  const audience = get('AUDIENCE') ?? 'gatehouse'

  const jwksMaxAgeSeconds = duration('JWKS_CACHE_TTL', '5m')
  const keyRotation = get('KEY_ROTATION_INTERVAL')
  const roleScopes = parseRoleScopes(get('ROLE_SCOPES') ?? 'user=user;admin=user admin', problems)

  const argon2: Argon2Params = {
    memoryCost: int('ARGON2_MEMORY_KIB', 19456, 19456, 4 * 1024 * 1024),
    timeCost: int('ARGON2_ITERATIONS', 2, 2, 100),
    parallelism: int('ARGON2_PARALLELISM', 1, 1, 16),
  }

  const mail = parseMail(get, duration, issuer, problems)
  const config: Config = {
    host,
    port,
    ...deployment,
    ...mail,
    ...parseWebauthn(get, mail.publicUrl, mail.appName, problems),
    ...parseMfa(get, roleScopes, problems),
    issuer,
    audience,
    jwtAlg,
    jwtSecret: jwtAlg === 'HS256' ? jwtSecret : null,
    accessTokenTtlSeconds: duration('ACCESS_TOKEN_TTL', '30m'),
    refreshTokenTtlSeconds: duration('REFRESH_TOKEN_TTL', '30d'),
    sessionIdleTtlSeconds: duration('SESSION_IDLE_TTL', '14d'),
    jwtLeewaySeconds: int('JWT_LEEWAY_SECONDS', 5, 0, 300),
    registration: oneOf('REGISTRATION', ['open', 'closed'], 'open'),
    rateLimit: flag('RATE_LIMIT', 'on'),
    accountPages: flag('ACCOUNT_PAGES', 'on'),
    logLevel: oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    passwordMinLength: int('PASSWORD_MIN_LENGTH', 8, 8, 1024),
    bodyLimitBytes: int('BODY_LIMIT_BYTES', 64 * 1024, 1024, 16 * 1024 * 1024),
    trustProxy: parseTrustProxy(get('TRUST_PROXY') ?? 'off', problems),
    loginBackoffMaxSeconds: duration('LOGIN_BACKOFF_MAX', '15m'),
    corsOrigins: parseOrigins(get('CORS_ORIGINS'), problems),
    argon2,
    hashConcurrency: int('HASH_CONCURRENCY', availableParallelism(), 1, 256),
    hashQueueMax: int('HASH_QUEUE_MAX', 64, 1, 100_000),
    hashPerAddress: int('HASH_PER_ADDRESS', 4, 1, 1000),
    requestTimeoutSeconds: duration('REQUEST_TIMEOUT', '30s'),
    refreshReuseGraceSeconds: duration('REFRESH_REUSE_GRACE', '10s', { zero: true }),
    jwksMaxAgeSeconds,
    keyPublishLeadSeconds: duration('KEY_PUBLISH_LEAD', `${jwksMaxAgeSeconds}s`, { zero: true }),
    keyRotationIntervalSeconds: keyRotation === undefined || keyRotation === 'off' ? null : duration('KEY_ROTATION_INTERVAL', '90d'),
    sessionRetentionSeconds: duration('SESSION_RETENTION', '30d'),
    roleScopes,
  }
  if (config.accessTokenTtlSeconds > config.refreshTokenTtlSeconds) {
    problems.push('ACCESS_TOKEN_TTL: must not exceed REFRESH_TOKEN_TTL')
  }
  if (config.refreshReuseGraceSeconds > 60) {
    // A long grace is reuse detection switched off: a stolen token replayed within it passes unseen.
    problems.push('REFRESH_REUSE_GRACE: at most 60s (0s turns it off)')
  }
  if (config.sessionIdleTtlSeconds < config.accessTokenTtlSeconds) {
    // An idle-expired session's access tokens fail at the guard; one shorter than an access token would end sessions mid-token.
    problems.push('SESSION_IDLE_TTL: must be at least ACCESS_TOKEN_TTL')
  }
  if (config.keyRotationIntervalSeconds !== null && config.keyRotationIntervalSeconds <= config.keyPublishLeadSeconds + config.accessTokenTtlSeconds) {
    problems.push('KEY_ROTATION_INTERVAL: must be longer than KEY_PUBLISH_LEAD plus ACCESS_TOKEN_TTL')
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return Object.freeze({ ...config, database: Object.freeze(deployment.database), argon2: Object.freeze(argon2), roleScopes: Object.freeze(roleScopes) })
}

const ROLE_NAME = /^[a-z][a-z0-9_-]{0,31}$/
const SCOPE_NAME = /^[\x21\x23-\x5B\x5D-\x7E]{1,64}$/

/** `user=user;admin=user admin`: each role and the scopes it grants. The `user` role must exist (new accounts get it). */
function parseRoleScopes(text: string, problems: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const part of text.split(';').filter((p) => p.trim() !== '')) {
    const [role, scopes = ''] = part.split('=').map((x) => x.trim())
    const list = scopes.split(/\s+/).filter(Boolean)
    if (!role || !ROLE_NAME.test(role) || !list.every((s) => SCOPE_NAME.test(s)) || Object.hasOwn(out, role)) {
      problems.push(`ROLE_SCOPES: "${part.trim()}" is not role=scope scope... (roles: lower-case letters, digits, _ -; each role once)`)
      continue
    }
    out[role] = [...new Set(list)]
  }
  if (!Object.hasOwn(out, 'user')) problems.push('ROLE_SCOPES: must define the user role (every new account has it)')
  return out
}

/**
 * TRUST_PROXY: `off`, or the proxies in front of Gatehouse (addresses, CIDRs, or proxy-addr's
 * `loopback`, `linklocal`, `uniquelocal`). X-Forwarded-For is read from the right, past trusted
 * proxies only, so a client cannot choose its address by writing the header. Never "trust every
 * hop", and no bare hop count: Fastify ignores one, since it cannot validate the immediate peer.
 */
function parseTrustProxy(text: string, problems: string[]): false | string[] {
  if (text === 'off') return false
  const list = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  const valid = (s: string) => {
    if (['loopback', 'linklocal', 'uniquelocal'].includes(s)) return true
    const [addr = '', bits, extra] = s.split('/')
    const v = isIP(addr)
    if (v === 0 || extra !== undefined) return false
    // A /0 is "trust every hop" again.
    return bits === undefined || (/^[0-9]{1,3}$/.test(bits) && Number(bits) >= 1 && Number(bits) <= (v === 4 ? 32 : 128))
  }
  if (list.length > 0 && list.every(valid)) {
    const wide = list.filter((s) => !['loopback', 'linklocal', 'uniquelocal'].includes(s) && tooWideProxyRange(s))
    if (wide.length === 0) return list
    problems.push(
      `TRUST_PROXY: ${wide.join(', ')} is wider than a proxy network (IPv4 at most /${MIN_PROXY_PREFIX.ipv4}, IPv6 at most /${MIN_PROXY_PREFIX.ipv6}, IPv4-mapped IPv6 judged by its IPv4 part): it would believe nearly every client's X-Forwarded-For`,
    )
    return false
  }
  problems.push(
    `TRUST_PROXY: must be off, or the proxies' addresses/CIDRs (or loopback, linklocal, uniquelocal), such as loopback,10.0.0.0/8 (got "${text}"; "on" trusted every hop, which let any client choose its address)`,
  )
  return false
}

/** CORS_ORIGINS: exact origins (scheme, host, optional port), comma-separated. No wildcards. */
function parseOrigins(text: string | undefined, problems: string[]): string[] {
  if (text === undefined) return []
  const list = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  const bad = list.filter((o) => !/^https?:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?$/.test(o) && !/^https?:\/\/\[[0-9a-fA-F:]+\](:[0-9]{1,5})?$/.test(o))
  if (bad.length > 0) problems.push(`CORS_ORIGINS: each must be an origin such as https://app.example.com (got ${bad.map((b) => `"${b}"`).join(', ')})`)
  return list
}
