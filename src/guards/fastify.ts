import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Principal, Requirement, TokenVerifier } from './principal.js'
import { assertRequirement, verifyRequest } from './verify-request.js'

export interface GatehouseFastifyOptions {
  /** `createRemoteVerifier(...)`, or `gatehouse.verifier` from an embedded Gatehouse. */
  verifier: TokenVerifier
}

type PreHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<void>

/** What the plugin adds to your Fastify instance. */
export interface GatehouseGuards {
  /** Any signed-in user: 401 without a valid token. */
  requireUser(): PreHandler
  /** Every one of `scopes`: 401 without a valid token, 403 `insufficient_scope` without them. */
  requireScope(...scopes: string[]): PreHandler
  /** A session signed in with one of `methods` (`otp`, `mfa`, `hwk`): 401 `insufficient_user_authentication` otherwise (RFC 9470). */
  requireAmr(...methods: string[]): PreHandler
}

declare module 'fastify' {
  interface FastifyInstance {
    gatehouse: GatehouseGuards
  }
  interface FastifyRequest {
    /** Set by a Gatehouse guard on the routes it guards; null elsewhere. */
    principal: Principal | null
  }
}

/**
 * A guard as a preHandler that answers a refused request itself, with Gatehouse's documented
 * status, `WWW-Authenticate` challenge and `{"detail"}` body: it does not depend on your app's
 * error handler.
 */
export function fastifyGuard(verifier: TokenVerifier, need: Requirement = {}): PreHandler {
  assertRequirement(need)
  return async (request, reply) => {
    const verdict = await verifyRequest(verifier, request.headers, need)
    if (verdict.ok) {
      request.principal = verdict.principal
      return
    }
    request.log.debug({ code: verdict.code }, 'gatehouse guard refused the request')
    await reply.code(verdict.status).headers(verdict.headers).send(verdict.body)
  }
}

const plugin: FastifyPluginAsync<GatehouseFastifyOptions> = async (app: FastifyInstance, opts) => {
  if (!opts?.verifier || typeof opts.verifier.verify !== 'function') {
    throw new TypeError('gatehouse/fastify: pass { verifier } (createRemoteVerifier(...) or gatehouse.verifier)')
  }
  const { verifier } = opts
  app.decorateRequest('principal', null)
  app.decorate('gatehouse', {
    requireUser: () => fastifyGuard(verifier),
    requireScope: (...scopes: string[]) => fastifyGuard(verifier, { scopes }),
    requireAmr: (...methods: string[]) => fastifyGuard(verifier, { amr: methods }),
  } satisfies GatehouseGuards)
}

/**
 * The Fastify plugin: `await app.register(gatehouse, { verifier })`, then
 * `{ preHandler: app.gatehouse.requireUser() }` on a route and `request.principal` in it.
 * Registered with fastify-plugin, so the guards reach every route of the app.
 */
export const gatehouse = fp(plugin, { fastify: '5.x', name: 'gatehouse' })
export default gatehouse
