import type { FastifyInstance } from 'fastify'
import { Type, type Static } from 'typebox'
import { deleteAccount } from '../../accounts/delete.js'
import { requestEmailChange } from '../../accounts/email.js'
import { changePassword } from '../../accounts/update.js'
import { toUserView } from '../../accounts/user-view.js'
import type { Deps } from '../../deps/types.js'
import { endOwnSession } from '../../sessions/end.js'
import { listLiveSessions } from '../../sessions/list.js'
import { clientMeta, currentAuth, requireAccount, requireUser } from '../auth.js'
import { passwordWork } from '../password-work.js'
import { limit, RULES } from '../rate-limit.js'
import { bearer, ChangePasswordBody, DeleteMeBody, errors, PatchMeBody, SessionIdParams, SessionSchema, UserSchema } from '../schemas.js'

export function registerUsersMeRoutes(app: FastifyInstance, deps: Deps): void {
  const guard = requireAccount(deps)
  const anyToken = requireUser(deps)
  const common = { tags: ['account'], security: bearer }
  const noStore = { 'cache-control': 'no-store' }

  app.get(
    '/users/me',
    { schema: { ...common, summary: 'The signed-in user', response: { 200: UserSchema, 401: errors.detail } }, preHandler: anyToken },
    async function readUsersMe(request, reply) {
      reply.headers(noStore)
      return toUserView(currentAuth(request).user)
    },
  )

  app.patch<{ Body: Static<typeof PatchMeBody> }>(
    '/users/me',
    {
      schema: {
        ...common,
        summary: 'Change your email (current password required): the new address is pending until its verification link is used',
        body: PatchMeBody,
        response: { 200: UserSchema, 401: errors.detail, 403: errors.oauth, 422: errors.validation },
      },
      // It re-checks the password: limited like the other password endpoints.
      preHandler: [
        guard,
        limit(deps, RULES.password),
        limit(deps, RULES.passwordUser, (request) => currentAuth(request).user.id),
        // It sends mail: limited like the resend per user (the target address's budget is spent
        // by the service, only when mail goes out, and answers 200 all the same: MAIL_BUDGET).
        limit(deps, RULES.mailUser, (request) => currentAuth(request).user.id),
        passwordWork(deps),
      ],
    },
    async function updateUsersMe(request, reply) {
      reply.headers(noStore)
      return toUserView(await requestEmailChange(deps, currentAuth(request).user, request.body, clientMeta(request)))
    },
  )

  app.delete<{ Body: Static<typeof DeleteMeBody> }>(
    '/users/me',
    {
      schema: {
        ...common,
        summary: 'Delete your account (password required); the last admin cannot (400)',
        body: DeleteMeBody,
        response: { 204: errors.noContent, 401: errors.detail, 403: errors.oauth, 422: errors.validation },
      },
      preHandler: [guard, limit(deps, RULES.password), limit(deps, RULES.passwordUser, (request) => currentAuth(request).user.id), passwordWork(deps)],
    },
    async function deleteUsersMe(request, reply) {
      await deleteAccount(deps, currentAuth(request).user, request.body, clientMeta(request))
      return reply.code(204).send()
    },
  )

  app.post<{ Body: Static<typeof ChangePasswordBody> }>(
    '/users/me/password',
    {
      schema: {
        ...common,
        summary: 'Change your password; ends your other sessions',
        body: ChangePasswordBody,
        response: { 204: errors.noContent, 401: errors.detail, 403: errors.oauth, 422: errors.validation },
      },
      preHandler: [guard, limit(deps, RULES.password), limit(deps, RULES.passwordUser, (request) => currentAuth(request).user.id), passwordWork(deps)],
    },
    async function changeUsersMePassword(request, reply) {
      const auth = currentAuth(request)
      await changePassword(deps, auth.user, auth.sessionId, request.body, clientMeta(request))
      return reply.code(204).send()
    },
  )

  app.get(
    '/users/me/sessions',
    { schema: { ...common, summary: 'Your live sessions', response: { 200: Type.Array(SessionSchema), 401: errors.detail } }, preHandler: guard },
    async function listUsersMeSessions(request, reply) {
      const auth = currentAuth(request)
      reply.headers(noStore)
      return listLiveSessions(deps, auth.user, auth.sessionId)
    },
  )

  app.delete<{ Params: Static<typeof SessionIdParams> }>(
    '/users/me/sessions/:id',
    {
      schema: {
        ...common,
        summary: 'End one of your sessions',
        params: SessionIdParams,
        response: { 204: errors.noContent, 401: errors.detail, 404: errors.detail },
      },
      preHandler: guard,
    },
    async function endUsersMeSession(request, reply) {
      await endOwnSession(deps, currentAuth(request).user.id, request.params.id, clientMeta(request))
      return reply.code(204).send()
    },
  )
}
