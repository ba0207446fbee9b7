import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage } from 'node:http'
import formbody from '@fastify/formbody'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { scopeCatalog } from './accounts/scopes.js'
import type { Deps } from './deps/types.js'
import { nulNotAllowed } from './errors.js'
import { docsUiOptions } from './http/docs-ui.js'
import { clientErrorHandler, frameworkErrors, registerErrorHandling } from './http/error-handler.js'
import { parseJsonBody } from './http/json-body.js'
import { registerSecurityHeaders } from './http/security-headers.js'
import { registerAdminRoutes } from './http/routes/admin/index.js'
import { registerRegisterRoutes } from './http/routes/register.js'
import { registerOidcRoutes } from './http/routes/oidc.js'
import { registerOpsRoutes } from './http/routes/ops.js'
import { registerEmailRoutes } from './http/routes/email.js'
import { registerMfaRoutes } from './http/routes/mfa.js'
import { registerPasskeyRoutes } from './http/routes/passkeys.js'
import { registerRevokeRoutes } from './http/routes/revoke.js'
import { registerRootRoutes } from './http/routes/root.js'
import { registerTokenRoutes } from './http/routes/token.js'
import { registerUsersMeRoutes } from './http/routes/users-me.js'
import { registerWellKnownRoutes } from './http/routes/well-known.js'
import { registerAccountPages } from './pages/index.js'
import { packageVersion } from './version.js'

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

/** Echo a caller's x-request-id when it is sane (so logs correlate), else make one. */
function requestId(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id']
  return typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID()
}

/** Builds the Gatehouse HTTP app. Add your own routes to it, guarded with `requireUser`/`requireScope`. */
export async function buildApp(deps: Deps): Promise<FastifyInstance> {
  const timeoutMs = deps.config.requestTimeoutSeconds * 1000
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    // Deliberate limits on slow clients: the whole request (headers and body) within
    // REQUEST_TIMEOUT, headers within 10 s, idle keep-alive connections closed after 5 s. Node checks
    // them every second (its default, 30 s, would let a dripping client hold a socket that long).
    // And a socket with no traffic for 60 s (a client that stopped reading its answer) is closed.
    serverFactory: (handler) =>
      createServer(
        { requestTimeout: timeoutMs, headersTimeout: Math.min(10_000, timeoutMs), keepAliveTimeout: 5_000, connectionsCheckingInterval: 1_000 },
        handler,
      ).setTimeout(60_000),
    clientErrorHandler,
    bodyLimit: deps.config.bodyLimitBytes,
    trustProxy: deps.config.trustProxy,
    genReqId: requestId,
    requestIdHeader: false,
    // pydantic does not turn 123 into "123", and reports every problem: so do we.
    ajv: { customOptions: { coerceTypes: false, allErrors: true, removeAdditional: true } },
    // JSON.parse is already iterative; these reject prototype poisoning with a 400.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    frameworkErrors,
  })
  app.decorateRequest('auth', null)
  app.decorateRequest('abortSignal', null)
  // Only JSON and (from formbody) form bodies are accepted: anything else is a 415.
  app.removeContentTypeParser('text/plain')
  // Our own JSON parser, only so the 400 says what was wrong: Fastify's says "not valid JSON" for a
  // prototype-poisoning key too, which is false.
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: deps.config.bodyLimitBytes }, parseJsonBody)
  registerErrorHandling(app)

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id)
    // No identifier, name or filter can hold NUL (PostgreSQL text cannot store it): one clear 400
    // on every back end, instead of "not found" on one and an encoding error on the other.
    if (request.url.includes('%00')) throw nulNotAllowed()
  })
  await registerSecurityHeaders(app, deps.config)
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, never the raw URL: ids and garbage paths must not become label values.
    const route = request.routeOptions.url ?? 'unmatched'
    deps.metrics.httpRequests.inc({ method: request.method, route, status: reply.statusCode })
    deps.metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000)
  })

  await app.register(formbody, { bodyLimit: deps.config.bodyLimitBytes })
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Gatehouse',
        version: packageVersion(),
        description: 'Self-hosted authentication API. Authorize with the password flow, then try /users/me.',
      },
      components: {
        securitySchemes: {
          OAuth2PasswordBearer: {
            type: 'oauth2',
            flows: { password: { tokenUrl: '/token', refreshUrl: '/token', scopes: scopeCatalog(deps.config.roleScopes) } },
          },
        },
      },
    },
  })
  await app.register(swaggerUi, docsUiOptions)

  // The route table, in the order a newcomer meets it.
  registerRootRoutes(app) //              GET /
  registerRegisterRoutes(app, deps) //    POST /register
  registerTokenRoutes(app, deps) //       POST /token
  registerRevokeRoutes(app, deps) //      POST /revoke, POST /logout
  registerUsersMeRoutes(app, deps) //     /users/me, /users/me/password, /users/me/sessions
  registerMfaRoutes(app, deps) //         /users/me/mfa/totp[/confirm], /users/me/mfa/recovery-codes
  registerPasskeyRoutes(app, deps) //     /users/me/passkeys[/options|/{id}], /passkeys/options
  registerEmailRoutes(app, deps) //       /email/verify[/request], /password/forgot, /password/reset
  registerWellKnownRoutes(app, deps) //   /.well-known/jwks.json, /.well-known/openid-configuration, /.well-known/oauth-authorization-server
  registerOidcRoutes(app, deps) //        /userinfo, /introspect, /users/me/grants[/{client_id}]
  await registerAdminRoutes(app, deps) // /admin/* (one plugin; every route needs scope admin)
  await registerAccountPages(app, deps) // /account/* pages for people (ACCOUNT_PAGES=off: none)
  registerOpsRoutes(app, deps) //         /healthz /readyz /metrics
  app.get('/openapi.json', { schema: { hide: true } }, async function openapi() {
    return app.swagger()
  })

  // Not ready()-ed here: integrators add their own routes first; listen() or inject() readies it.
  return app
}
