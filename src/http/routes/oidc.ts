import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { Deps } from '../../deps/types.js'
import { insufficientScope, invalidClient } from '../../errors.js'
import { scopedClaims } from '../../oidc/claims.js'
import { authenticateClient } from '../../oidc/client-auth.js'
import { listGrants, revokeGrant } from '../../oidc/grants.js'
import { introspect } from '../../oidc/introspect.js'
import { clientMeta, currentAuth, requireAccount, requireUser } from '../auth.js'
import { presentedClient } from '../client-credentials.js'
import { bearer, errors } from '../schemas.js'

const IntrospectBody = Type.Object(
  {
    token: Type.String({ maxLength: 8192 }),
    token_type_hint: Type.Optional(Type.String({ maxLength: 64 })),
    client_id: Type.Optional(Type.String({ maxLength: 256 })),
    client_secret: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: false },
)
const GrantSchema = Type.Object({ client_id: Type.String(), name: Type.String(), scopes: Type.Array(Type.String()), granted_at: Type.String() })
const noStore = { 'cache-control': 'no-store', pragma: 'no-cache' }

/** /userinfo (OpenID Connect Core §5.3), /introspect (RFC 7662), and the person's consents (/users/me/grants). */
export function registerOidcRoutes(app: FastifyInstance, deps: Deps): void {
  const guard = requireUser(deps)
  const account = requireAccount(deps)

  const userinfo = async (request: FastifyRequest, reply: { headers(h: Record<string, string>): unknown }) => {
    const auth = currentAuth(request)
    if (!auth.scopes.includes('openid')) throw insufficientScope(['openid'])
    reply.headers(noStore)
    return scopedClaims(auth.user, auth.scopes)
  }
  const userinfoSchema = {
    summary: 'Claims about the signed-in person (OpenID Connect Core §5.3); needs scope openid',
    tags: ['openid'],
    security: bearer,
    // Every claim named (no additionalProperties): the serializer compiles it, as for /users/me.
    response: {
      200: Type.Object({
        sub: Type.String(),
        preferred_username: Type.Optional(Type.String()),
        email: Type.Optional(Type.String()),
        email_verified: Type.Optional(Type.Boolean()),
      }),
      401: errors.detail,
      403: errors.oauth,
    },
  }
  app.get('/userinfo', { schema: userinfoSchema, preHandler: guard }, userinfo)
  app.post('/userinfo', { schema: userinfoSchema, preHandler: guard }, userinfo)

  app.post(
    '/introspect',
    {
      schema: {
        summary: 'Token introspection (RFC 7662), for confidential clients',
        tags: ['openid'],
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        body: IntrospectBody,
        response: {
          200: Type.Object({ active: Type.Boolean() }, { additionalProperties: true }),
          400: errors.oauth,
          401: errors.oauth,
          422: errors.validation,
        },
      },
      // No per-address limit: a resource server introspects every caller's token from one address.
      // Its wrong secrets back off per client (oidc/client-auth.ts).
    },
    async function introspection(request, reply) {
      reply.headers(noStore)
      const creds = presentedClient(request)
      // RFC 7662 §2.1: the caller authenticates; public clients cannot, so they may not ask.
      if (!creds || creds.secret === null) throw invalidClient()
      const client = await authenticateClient(deps, creds, clientMeta(request))
      const body = request.body as { token: string; token_type_hint?: string }
      return introspect(deps, client, body.token, body.token_type_hint)
    },
  )

  app.get(
    '/users/me/grants',
    {
      schema: {
        summary: 'The clients you consented to (OpenID Connect)',
        tags: ['account'],
        security: bearer,
        response: { 200: Type.Object({ grants: Type.Array(GrantSchema) }), 401: errors.detail },
      },
      preHandler: account,
    },
    async function readGrants(request, reply) {
      reply.headers(noStore)
      return { grants: await listGrants(deps, currentAuth(request).user.id) }
    },
  )

  app.delete<{ Params: { client_id: string } }>(
    '/users/me/grants/:client_id',
    {
      schema: {
        summary: "Take back a consent; that client's sessions of yours end",
        tags: ['account'],
        security: bearer,
        params: Type.Object({ client_id: Type.String({ maxLength: 256 }) }),
        response: { 204: errors.noContent, 401: errors.detail, 404: errors.detail },
      },
      preHandler: account,
    },
    async function deleteGrant(request, reply) {
      await revokeGrant(deps, currentAuth(request).user.id, request.params.client_id, clientMeta(request))
      return reply.code(204).send()
    },
  )
}
