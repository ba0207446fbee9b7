import type { FastifyInstance } from 'fastify'
import type { Static } from 'typebox'
import { adminDeleteUser, adminUpdateUser, findUserOr404, listUsersPage } from '../../../accounts/admin.js'
import { createAccount } from '../../../accounts/register.js'
import { toUserView } from '../../../accounts/user-view.js'
import type { Deps } from '../../../deps/types.js'
import { endAllSessions } from '../../../sessions/end.js'
import { listLiveSessions } from '../../../sessions/list.js'
import { AdminCreateUserBody, AdminPatchUserBody, adminDoc, UserIdParams, UserPage, UsersQuery } from '../../admin-schemas.js'
import { clientMeta, currentAuth } from '../../auth.js'
import { passwordWork } from '../../password-work.js'
import { errors, SessionSchema, UserSchema } from '../../schemas.js'
import { Type } from 'typebox'

const fail = { 401: errors.detail, 403: errors.oauth, 422: errors.validation }

export function registerAdminUserRoutes(admin: FastifyInstance, deps: Deps): void {
  const actor = (request: Parameters<typeof currentAuth>[0]) => ({ actorId: currentAuth(request).user.id, meta: clientMeta(request) })

  admin.get<{ Querystring: Static<typeof UsersQuery> }>(
    '/users',
    { schema: { ...adminDoc, summary: 'List users (cursor paging, prefix search)', querystring: UsersQuery, response: { 200: UserPage, ...fail } } },
    async function adminListUsers(request) {
      const { q, limit, cursor } = request.query
      const page = await listUsersPage(deps, { q, limit: limit ? Number(limit) : 50, cursor })
      return { users: page.users.map(toUserView), next_cursor: page.nextCursor }
    },
  )

  admin.post<{ Body: Static<typeof AdminCreateUserBody> }>(
    '/users',
    {
      schema: { ...adminDoc, summary: 'Create a user', body: AdminCreateUserBody, response: { 201: UserSchema, 400: errors.detail, ...fail } },
      preHandler: passwordWork(deps),
    },
    async function adminCreateUser(request, reply) {
      const { roles, ...input } = request.body
      const user = await createAccount(deps, input, roles ?? ['user'], { via: 'admin', ...actor(request) })
      return reply.code(201).send(toUserView(user))
    },
  )

  admin.get<{ Params: Static<typeof UserIdParams> }>(
    '/users/:id',
    { schema: { ...adminDoc, summary: 'Read a user', params: UserIdParams, response: { 200: UserSchema, 404: errors.detail, ...fail } } },
    async function adminReadUser(request) {
      return toUserView(await findUserOr404(deps, request.params.id))
    },
  )

  admin.patch<{ Params: Static<typeof UserIdParams>; Body: Static<typeof AdminPatchUserBody> }>(
    '/users/:id',
    {
      schema: {
        ...adminDoc,
        summary: 'Disable or enable a user, set roles, email, email_verified (disabling ends every session)',
        params: UserIdParams,
        body: AdminPatchUserBody,
        response: { 200: UserSchema, 400: errors.detail, 404: errors.detail, ...fail },
      },
    },
    async function adminPatchUser(request) {
      return toUserView(await adminUpdateUser(deps, request.params.id, request.body, actor(request)))
    },
  )

  admin.delete<{ Params: Static<typeof UserIdParams> }>(
    '/users/:id',
    {
      schema: {
        ...adminDoc,
        summary: 'Delete a user and every session',
        params: UserIdParams,
        response: { 204: errors.noContent, 400: errors.detail, 404: errors.detail, ...fail },
      },
    },
    async function adminRemoveUser(request, reply) {
      await adminDeleteUser(deps, request.params.id, actor(request))
      return reply.code(204).send()
    },
  )

  admin.get<{ Params: Static<typeof UserIdParams> }>(
    '/users/:id/sessions',
    {
      schema: {
        ...adminDoc,
        summary: "A user's live sessions",
        params: UserIdParams,
        response: { 200: Type.Array(SessionSchema), 404: errors.detail, ...fail },
      },
    },
    async function adminListSessions(request) {
      return listLiveSessions(deps, await findUserOr404(deps, request.params.id), null)
    },
  )

  admin.post<{ Params: Static<typeof UserIdParams> }>(
    '/users/:id/sessions/revoke',
    {
      schema: {
        ...adminDoc,
        summary: 'End every session of a user (their tokens fail at once)',
        params: UserIdParams,
        response: { 204: errors.noContent, 404: errors.detail, ...fail },
      },
    },
    async function adminRevokeSessions(request, reply) {
      const user = await findUserOr404(deps, request.params.id)
      await endAllSessions(deps, user.id, { ...actor(request), reason: 'revoked_by_admin', audited: true })
      return reply.code(204).send()
    },
  )
}
