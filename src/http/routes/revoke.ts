import type { FastifyInstance } from 'fastify'
import { type Static, Type } from 'typebox'
import type { Deps } from '../../deps/types.js'
import { logout, revokeToken } from '../../sessions/end.js'
import { authenticateClient } from '../../oidc/client-auth.js'
import { clientMeta, currentAuth, requireUser } from '../auth.js'
import { presentedClient } from '../client-credentials.js'
import { limit, RULES } from '../rate-limit.js'
import { bearer, errors, RevokeBody } from '../schemas.js'

export function registerRevokeRoutes(app: FastifyInstance, deps: Deps): void {
  app.post<{ Body: Static<typeof RevokeBody> }>(
    '/revoke',
    {
      schema: {
        summary: 'Revoke a token (RFC 7009)',
        description: 'Ends the session of a refresh token (or access token). 200 whether or not the token was valid.',
        tags: ['tokens'],
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        body: RevokeBody,
        response: { 200: Type.Object({}), 400: errors.oauth, 401: errors.oauth, 422: errors.validation },
      },
      preHandler: limit(deps, RULES.revoke),
    },
    async function revoke(request, reply) {
      // A client's tokens are revoked by that client (client_secret_basic, client_secret_post, or a
      // public client's client_id: RFC 7009 §2.1); the token API's by a request that names none.
      reply.header('cache-control', 'no-store')
      const creds = presentedClient(request)
      const client = creds ? await authenticateClient(deps, creds, clientMeta(request)) : null
      await revokeToken(deps, request.body.token, request.body.token_type_hint, clientMeta(request), client)
      reply.header('cache-control', 'no-store')
      return {}
    },
  )

  app.post(
    '/logout',
    {
      schema: { summary: 'End the current session', tags: ['tokens'], security: bearer, response: { 204: errors.noContent, 401: errors.detail } },
      preHandler: requireUser(deps),
    },
    async function logoutRoute(request, reply) {
      const auth = currentAuth(request)
      await logout(deps, { userId: auth.user.id, sessionId: auth.sessionId }, clientMeta(request))
      return reply.code(204).send()
    },
  )
}
