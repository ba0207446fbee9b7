import pino, { type Logger } from 'pino'
import type { Config } from './config.js'
import { createMetrics, type Metrics } from './metrics/metrics.js'
import { createPasswordHasher, type PasswordHasher } from './passwords/hash.js'
import { loadCommonPasswords } from './passwords/policy.js'
import type { RateLimiter } from './rate-limit/limiter.js'
import { createMemoryLimiter, noLimiter } from './rate-limit/memory-limiter.js'
import { openStore } from './store/open-store.js'
import type { Store } from './store/store.js'
import { createAccessTokenVerifier, type AccessTokenSettings, type AccessTokenVerifier } from './tokens/access-token.js'
import { loadKeyRing, type KeyRing } from './tokens/keys.js'

/** Everything a request needs, built once. Services take the slice they use (`Pick<Deps, ...>`). */
export interface Deps {
  config: Readonly<Config>
  log: Logger
  clock: () => Date
  store: Store
  limiter: RateLimiter
  keys: KeyRing
  tokens: AccessTokenSettings
  verifyAccessToken: AccessTokenVerifier
  hasher: PasswordHasher
  commonPasswords: ReadonlySet<string>
  metrics: Metrics
}

/** Pino options shared by the app and the CLI: secrets never reach a log line. */
export function loggerOptions(level: string): pino.LoggerOptions {
  return {
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'password',
        'new_password',
        'current_password',
        'refresh_token',
        'access_token',
        'token',
        'hashed_password',
      ],
      censor: '[redacted]',
    },
    serializers: {
      // Path only: a query string may carry a token or password someone put there by mistake.
      req: (req: { method?: string; url?: string; ip?: string }) => ({ method: req.method, path: req.url?.split('?')[0], ip: req.ip }),
    },
  }
}

/** The only place back ends are constructed. `overrides` lets tests inject a clock or a logger. */
export async function createDeps(config: Readonly<Config>, overrides: Partial<Pick<Deps, 'clock' | 'log'>> = {}): Promise<Deps> {
  const clock = overrides.clock ?? (() => new Date())
  const log = overrides.log ?? pino(loggerOptions(config.logLevel))
  const metrics = createMetrics()
  const store = await openStore(config.database)
  try {
    const keys = await loadKeyRing(store, config.jwtAlg, config.jwtSecret, clock())
    const tokens: AccessTokenSettings = {
      issuer: config.issuer,
      audience: config.audience,
      ttlSeconds: config.accessTokenTtlSeconds,
      leewaySeconds: config.jwtLeewaySeconds,
    }
    const hasher = await createPasswordHasher(config.argon2, config.hashConcurrency, (op, s) => metrics.hashDuration.observe({ op }, s))
    return {
      config,
      log,
      clock,
      store,
      keys,
      tokens,
      metrics,
      hasher,
      limiter: config.rateLimit ? createMemoryLimiter() : noLimiter,
      verifyAccessToken: createAccessTokenVerifier(keys, tokens),
      commonPasswords: loadCommonPasswords(),
    }
  } catch (err) {
    await store.close()
    throw err
  }
}

export async function closeDeps(deps: Deps): Promise<void> {
  await deps.limiter.close()
  await deps.store.close()
}
