import type { FastifyInstance } from 'fastify'
import type { Static } from 'typebox'
import { registerUser } from '../../accounts/register.js'
import { toUserView } from '../../accounts/user-view.js'
import type { Deps } from '../../deps/types.js'
import { clientMeta } from '../auth.js'
import { passwordWork } from '../password-work.js'
import { limit, RULES } from '../rate-limit.js'
import { errors, RegisterBody, UserSchema } from '../schemas.js'

export function registerRegisterRoutes(app: FastifyInstance, deps: Deps): void {
  app.post<{ Body: Static<typeof RegisterBody> }>(
    '/register',
    {
      schema: {
        summary: 'Create an account',
        tags: ['accounts'],
        body: RegisterBody,
        response: { 201: UserSchema, 400: errors.detail, 403: errors.detail, 422: errors.validation },
      },
      preHandler: [limit(deps, RULES.register), passwordWork(deps)],
    },
    async function register(request, reply) {
      const user = await registerUser(deps, request.body, clientMeta(request))
      reply.header('cache-control', 'no-store')
      return reply.code(201).send(toUserView(user))
    },
  )
}
