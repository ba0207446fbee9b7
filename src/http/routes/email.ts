import type { FastifyInstance } from 'fastify'
import type { Static } from 'typebox'
import { resendVerification, verifyEmail } from '../../accounts/email.js'
import { forgotPassword, resetPassword } from '../../accounts/password-reset.js'
import { toUserView } from '../../accounts/user-view.js'
import type { Deps } from '../../deps/types.js'
import { clientMeta, currentAuth, requireAccount } from '../auth.js'
import { passwordWork } from '../password-work.js'
import { limit, RULES } from '../rate-limit.js'
import { bearer, errors, ForgotBody, MailTokenBody, ResetBody, UserSchema } from '../schemas.js'

export function registerEmailRoutes(app: FastifyInstance, deps: Deps): void {
  const noStore = { 'cache-control': 'no-store' }

  app.post(
    '/email/verify/request',
    {
      schema: {
        tags: ['account'],
        security: bearer,
        summary: 'Send the verification message again',
        response: { 202: errors.noContent, 400: errors.detail, 401: errors.detail },
      },
      preHandler: [requireAccount(deps), limit(deps, RULES.mailIp), limit(deps, RULES.mailUser, (request) => currentAuth(request).user.id)],
    },
    async function requestVerification(request, reply) {
      await resendVerification(deps, currentAuth(request).user, clientMeta(request))
      return reply.code(202).send()
    },
  )

  app.post<{ Body: Static<typeof MailTokenBody> }>(
    '/email/verify',
    {
      schema: {
        tags: ['account'],
        summary: 'Verify an email address with the token from the message',
        body: MailTokenBody,
        response: { 200: UserSchema, 400: errors.detail, 422: errors.validation },
      },
      preHandler: limit(deps, RULES.mailToken),
    },
    async function verify(request, reply) {
      reply.headers(noStore)
      return toUserView(await verifyEmail(deps, request.body.token, clientMeta(request)))
    },
  )

  app.post<{ Body: Static<typeof ForgotBody> }>(
    '/password/forgot',
    {
      schema: {
        tags: ['account'],
        summary: 'Send a password reset message (202 whether or not an account has the address)',
        body: ForgotBody,
        response: { 202: errors.noContent, 422: errors.validation },
      },
      // Per client address only: the target address is handled in the background (coalesced,
      // budgeted), so asking for someone else's reset never refuses its owner.
      preHandler: limit(deps, RULES.mailIp),
    },
    async function forgot(request, reply) {
      await forgotPassword(deps, request.body.email, clientMeta(request))
      return reply.code(202).send()
    },
  )

  app.post<{ Body: Static<typeof ResetBody> }>(
    '/password/reset',
    {
      schema: {
        tags: ['account'],
        summary: 'Set a new password with the token from the reset message; ends every session',
        body: ResetBody,
        response: { 204: errors.noContent, 400: errors.detail, 422: errors.validation },
      },
      preHandler: [limit(deps, RULES.mailToken), passwordWork(deps)],
    },
    async function reset(request, reply) {
      await resetPassword(deps, request.body, clientMeta(request))
      return reply.code(204).send()
    },
  )
}
