import type { FastifyInstance } from 'fastify'
import { type Static, Type } from 'typebox'
import type { Deps } from '../../deps/types.js'
import { logout, revokeToken } from '../../sessions/end.js'
import { clientMeta, currentAuth, requireUser } from '../auth.js'
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
        response: { 200: Type.Object({}), 422: errors.validation },
      },
      preHandler: limit(deps, RULES.revoke),
    },
    async function revoke(request, reply) {
      await revokeToken(deps, request.body.token, request.body.token_type_hint, clientMeta(request))
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
