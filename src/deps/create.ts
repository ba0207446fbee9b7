import pino, { type Logger } from 'pino'
import type { Config, JwtAlg } from '../config.js'
import { createSecretBox, type SecretBox } from '../crypto/secret-box.js'
import type { Deps } from './types.js'
import { KEY_RELOAD_MS, retiredKeyKeepSeconds } from '../tokens/key-policy.js'
import { createEvents } from '../events/events.js'
import { createMetrics, type Metrics } from '../metrics/metrics.js'
import { createPasswordHasher, type PasswordHasher } from '../passwords/hash.js'
import { loadCommonPasswords } from '../passwords/policy.js'
import type { RateLimiter } from '../rate-limit/limiter.js'
import { createFallbackLimiter } from '../rate-limit/fallback-limiter.js'
import { createMemoryLimiter, noLimiter } from '../rate-limit/memory-limiter.js'
import { createRedisLimiter } from '../rate-limit/redis-limiter.js'
import { connectSharedState, type SharedState } from '../redis/shared-state.js'
import type { ChangeBus } from '../store/changes.js'
import { createMailService } from '../mail/service.js'
import { openStore } from '../store/open-store.js'
import type { Store } from '../store/store.js'
import { type AccessTokenSettings, createAccessTokenVerifier } from '../tokens/access-token.js'
import { closeRings, distinctRings, type KeyRings } from '../tokens/key-rings.js'
import { type KeyRing, loadKeyRing } from '../tokens/keys.js'

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
        'otp',
        'recovery_code',
        'mfa_token',
        'secret',
        'client_secret',
        'secret_hash',
        'secretHash',
        'recovery_codes',
      ],
      censor: '[redacted]',
    },
    serializers: {
      // Path only: a query string may carry a token or password someone put there by mistake.
      req: (req: { method?: string; url?: string; ip?: string }) => ({ method: req.method, path: req.url?.split('?')[0], ip: req.ip }),
    },
  }
}

// The builders below are the only places back ends are constructed. createDeps composes them
// for the server; CLI commands call just the ones they need (`users list` builds no key ring).

export const createLogger = (config: Readonly<Config>, destination?: pino.DestinationStream): Logger =>
  destination ? pino(loggerOptions(config.logLevel), destination) : pino(loggerOptions(config.logLevel))

/** Opens the configured store and applies its migrations; `bus` tells other instances what it changes. */
export const openConfiguredStore = (config: Readonly<Config>, bus: ChangeBus | null = null, log?: Logger): Promise<Store> =>
  openStore(config.database, bus, log)

/**
 * The limits: Redis's (shared by every instance) when configured, else the machine's (a cluster
 * primary's, shared by its workers), else this process's; each falls back to the next while it
 * does not answer, so limits never switch off.
 */
function createLimiter(config: Readonly<Config>, shared: SharedState, log: Logger): RateLimiter {
  if (!config.rateLimit) return noLimiter
  let warned = 0
  const warn = (what: string) => (err: unknown) => {
    if (Date.now() - warned < 60_000) return
    warned = Date.now()
    log.warn({ err }, `${what} failed; limiting with the next one down`)
  }
  const local = createMemoryLimiter()
  const machine = shared.workerLimiter ? createFallbackLimiter(shared.workerLimiter, local, () => process.connected, warn('the primary limiter')) : local
  const redis = shared.redis
  if (!redis) return machine
  return createFallbackLimiter(createRedisLimiter(redis, config.redisKeyPrefix), machine, () => shared.redisStatus() === 'up', warn('the redis rate limiter'))
}

/** A cluster primary's limiter: the machine's limits, for its workers. */
export const createMachineLimiter = (config: Readonly<Config>): RateLimiter => (config.rateLimit ? createMemoryLimiter() : noLimiter)

export { connectSharedState }

/** ENCRYPTION_KEY (and the previous key while moving): what seals secrets at rest. */
export const createSecrets = (config: Readonly<Config>): SecretBox => createSecretBox(config.encryptionKey, config.encryptionKeyPrevious)

/** The ring of `alg` (default JWT_ALG): on first start its key pair is generated and stored. */
export function createKeyRing(config: Readonly<Config>, store: Store, clock: () => Date, log: Logger, alg: JwtAlg = config.jwtAlg): Promise<KeyRing> {
  return loadKeyRing(
    store,
    {
      alg,
      secret: config.jwtSecret,
      // A retired key still verifies every token it signed until that token expires; an instance
      // that has not reloaded yet may sign with it for up to one reload interval after it retired.
      retiredKeepSeconds: retiredKeyKeepSeconds(config),
      reloadIntervalMs: KEY_RELOAD_MS,
      onReloadError: (err) => log.error({ err, alg }, 'key ring reload failed; keeping the keys loaded before'),
      secrets: createSecrets(config),
    },
    clock(),
  )
}

/**
 * Both rings: the access tokens' (JWT_ALG) and the ID tokens' (RS256, which OpenID Connect Core
 * §15.1 requires of every provider), one ring object when JWT_ALG=RS256. The ID-token key is
 * stored with HS256 too. Both keep a retired key as long as an access token lives
 * (retiredKeyKeepSeconds): right while ID tokens get the access-token TTL (signIdToken with
 * deps.tokens); a longer ID-token TTL would need a longer keep window here.
 */
export async function createKeyRings(config: Readonly<Config>, store: Store, clock: () => Date, log: Logger): Promise<KeyRings> {
  const keys = await createKeyRing(config, store, clock, log)
  if (keys.alg === 'RS256') return { keys, idTokenKeys: keys }
  try {
    return { keys, idTokenKeys: await createKeyRing(config, store, clock, log, 'RS256') }
  } catch (err) {
    keys.close()
    throw err
  }
}

/** With a store, failed logins are calibrated against its slowest legacy hash (the server); without, only hashing (the CLI). */
export const createPasswordHasherFor = async (config: Readonly<Config>, metrics: Metrics, store: Store | null): Promise<PasswordHasher> =>
  createPasswordHasher(
    config.argon2,
    config.hashConcurrency,
    (op, s) => metrics.hashDuration.observe({ op }, s),
    store ? [await store.findSlowestLegacyHash()] : [],
    config.hashQueueMax,
  )

export { createEvents, createMetrics, loadCommonPasswords }

/**
 * Builds every back end for the server. `overrides` lets tests inject a clock, a logger or a small
 * cap of live passkey sign-in challenges;
 * `mailSender: false` builds no background sender (a process that only verifies tokens must not
 * take messages from the shared outbox: without SMTP_URL it would log them, links and all).
 */
export async function createDeps(
  config: Readonly<Config>,
  overrides: Partial<Pick<Deps, 'clock' | 'log' | 'passkeySignInChallengeCap'>> & { mailSender?: boolean } = {},
): Promise<Deps> {
  const clock = overrides.clock ?? (() => new Date())
  const log = overrides.log ?? createLogger(config)
  const metrics = createMetrics()
  const shared = await connectSharedState(config, log)
  let store: Store
  try {
    store = await openConfiguredStore(config, shared.bus, log)
  } catch (err) {
    await shared.close()
    throw err
  }
  let rings: KeyRings | null = null
  try {
    rings = await createKeyRings(config, store, clock, log)
    const { keys, idTokenKeys } = rings
    // A rotation elsewhere (or a gap in the bus, which may have hidden one) reloads the rings at once.
    shared.bus?.subscribe((c) => {
      if (c.kind !== 'keys' && c.kind !== 'all') return
      for (const ring of distinctRings({ keys, idTokenKeys }))
        ring.reload().catch((err: unknown) => log.error({ err, alg: ring.alg }, 'key ring reload failed'))
    })
    const tokens: AccessTokenSettings = {
      issuer: config.issuer,
      audience: config.audience,
      ttlSeconds: config.accessTokenTtlSeconds,
      leewaySeconds: config.jwtLeewaySeconds,
    }
    const deps: Deps = {
      config,
      log,
      clock,
      store,
      keys,
      idTokenKeys,
      tokens,
      metrics,
      hasher: await createPasswordHasherFor(config, metrics, store),
      limiter: createLimiter(config, shared, log),
      shared,
      mail: createMailService(config, log, clock, overrides.mailSender === false ? null : store),
      // A service whose ISSUER or AUDIENCE differs gets every token refused: say why, at debug.
      verifyAccessToken: createAccessTokenVerifier(keys, tokens, {
        onRefused: (why) => {
          if (!log.isLevelEnabled('debug')) return
          const r = why()
          log.debug({ refused: { check: r.check, expected: r.expected, received: r.received, kid: r.kid } }, `access token refused: ${r.summary}`)
        },
      }),
      commonPasswords: loadCommonPasswords(),
      secrets: createSecrets(config),
      events: createEvents({ audit: store, log, metrics, clock }),
      ...(overrides.passkeySignInChallengeCap === undefined ? {} : { passkeySignInChallengeCap: overrides.passkeySignInChallengeCap }),
    }
    return deps
  } catch (err) {
    if (rings) closeRings(rings)
    await store.close()
    await shared.close()
    throw err
  }
}

export async function closeDeps(deps: Pick<Deps, 'keys' | 'idTokenKeys' | 'limiter' | 'store' | 'shared' | 'mail'>): Promise<void> {
  await deps.mail.stop()
  closeRings(deps)
  await deps.limiter.close()
  await deps.store.close()
  await deps.shared.close()
}
