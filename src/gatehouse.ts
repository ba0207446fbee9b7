import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { Logger } from 'pino'
import { buildApp } from './app.js'
import { type Config, type Env, loadConfig } from './config.js'
import { closeDeps, createDeps } from './deps/create.js'
import type { Deps } from './deps/types.js'
import type { TokenVerifier } from './guards/principal.js'
import { type AuthContext, createEmbeddedVerifier } from './guards/session-check.js'
import { currentAuth, requireAmr, requireScope, requireUser } from './http/auth.js'
import { registerJobHandlers } from './jobs/handlers.js'
import { startupWarnings } from './startup-warnings.js'
import { startUpkeep } from './upkeep.js'

export interface GatehouseOptions {
  /** Environment to read the configuration from (default: `process.env`); ignored with `config`. */
  env?: Env
  /** A configuration from `loadConfig`, instead of `env`. */
  config?: Readonly<Config>
  /** Your pino logger (default: one built from LOG_LEVEL). */
  logger?: Logger
  /**
   * Run the background upkeep here: the hourly retention purge and automatic key rotation
   * (default true). Turn it off only where another instance on the same store runs it.
   */
  upkeep?: boolean
  /**
   * Deliver queued mail (verification, reset) from this process (default: as `upkeep`). A service
   * that only verifies tokens on Gatehouse's database leaves it to the server.
   */
  mailSender?: boolean
}

type Hook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void

/** An embedded Gatehouse: its routes on `app`, guards for yours, and everything it keeps running. */
export interface Gatehouse {
  /** Gatehouse's Fastify app with /register, /token, /users/me ... Add your routes, then `listen()`. */
  app: FastifyInstance
  config: Readonly<Config>
  /** Guard: any signed-in user (FastAPI's `Depends(get_current_user)`); 401 otherwise. */
  requireUser(): Hook
  /** Guard: every one of `scopes`; 401 without a valid token, 403 `insufficient_scope` without them. */
  requireScope(...scopes: string[]): Hook
  /** Guard: a session signed in with one of `methods` (`otp`, `mfa`); 401 `insufficient_user_authentication` otherwise. */
  requireAmr(...methods: string[]): Hook
  /** The guarded request's user, session, claims and scopes. */
  currentAuth(request: FastifyRequest): AuthContext
  /**
   * The same check as the guards (the session is looked up, so logout takes effect at once) for
   * routes in another framework in this process: `gatehouse/express`, `gatehouse/hono`.
   */
  verifier: TokenVerifier
  /** Stops the upkeep, finishes requests in flight, closes the database, Redis and the mail sender. */
  close(): Promise<void>
}

/**
 * Gatehouse inside your service: reads the configuration once (refusing it with every problem
 * named), opens the store, builds the app and starts the upkeep that `gatehouse serve` runs.
 * @throws ConfigError for a bad configuration (every problem named); StoreOpenError when the
 * database cannot be opened (what was tried and why, never the password).
 */
export async function createGatehouse(options: GatehouseOptions = {}): Promise<Gatehouse> {
  const config = options.config ?? loadConfig(options.env ?? process.env)
  const mailSender = options.mailSender ?? options.upkeep !== false
  const deps: Deps = await createDeps(config, { ...(options.logger ? { log: options.logger } : {}), mailSender })
  let app: FastifyInstance
  try {
    registerJobHandlers(deps)
    app = await buildApp(deps)
  } catch (err) {
    await closeDeps(deps)
    throw err
  }
  // The warnings `gatehouse serve` logs at start: an embedded server has the same settings.
  // (Without a sender here, where mail would go is the sending instance's concern.)
  for (const warning of startupWarnings(config)) if (mailSender || !warning.startsWith('SMTP_URL')) deps.log.warn(warning)
  const stopUpkeep = options.upkeep === false ? () => {} : startUpkeep(deps)
  let closed: Promise<void> | null = null
  return {
    app,
    config,
    requireUser: () => requireUser(deps),
    requireScope: (...scopes) => requireScope(deps, ...scopes),
    requireAmr: (...methods) => requireAmr(deps, ...methods),
    currentAuth,
    verifier: createEmbeddedVerifier(deps),
    close() {
      closed ??= (async () => {
        stopUpkeep()
        try {
          await app.close()
        } finally {
          // Even when one of your onClose hooks throws: the pools and the mail sender still close.
          await closeDeps(deps)
        }
      })()
      return closed
    },
  }
}
