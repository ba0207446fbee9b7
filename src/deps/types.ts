import type { Logger } from 'pino'
import type { Config } from '../config.js'
import type { SecretBox } from '../crypto/secret-box.js'
import type { Events } from '../events/events.js'
import type { MailService } from '../mail/service.js'
import type { Metrics } from '../metrics/metrics.js'
import type { PasswordHasher } from '../passwords/hash.js'
import type { RateLimiter } from '../rate-limit/limiter.js'
import type { SharedState } from '../redis/shared-state.js'
import type { Store } from '../store/store.js'
import type { AccessTokenSettings, AccessTokenVerifier } from '../tokens/access-token.js'
import type { KeyRing } from '../tokens/keys.js'

// Types only: services import this file, and it imports no service, so no cycle can close
// through it. The builders live in create.ts, which nothing below the wiring imports.

/** Everything a request needs, built once. Services take the slice they use (`Pick<Deps, ...>`). */
export interface Deps {
  config: Readonly<Config>
  log: Logger
  clock: () => Date
  store: Store
  limiter: RateLimiter
  /** Signs and verifies access tokens (JWT_ALG). */
  keys: KeyRing
  /**
   * Signs ID tokens with RS256 (OpenID Connect Core §15.1): a second ring over the same key table,
   * stored, sealed, reloaded and rotated like `keys`; the same object as `keys` when JWT_ALG=RS256,
   * and there with HS256 too.
   */
  idTokenKeys: KeyRing
  tokens: AccessTokenSettings
  verifyAccessToken: AccessTokenVerifier
  hasher: PasswordHasher
  commonPasswords: ReadonlySet<string>
  metrics: Metrics
  /** The one place security outcomes go: audit log, metrics and logs. */
  events: Events
  /** Redis and the change bus when REDIS_URL is set (readiness reports them). */
  shared: SharedState
  /** Mail templates, links, and this process's outbox sender. */
  mail: MailService
  /** Seals TOTP secrets and private keys at rest (ENCRYPTION_KEY); stores them in clear without one. */
  secrets: SecretBox
  /** Live passkey sign-in challenges kept at most (default MAX_LIVE_SIGN_IN_CHALLENGES, passkeys/common.ts); tests set a small one. */
  passkeySignInChallengeCap?: number
}
