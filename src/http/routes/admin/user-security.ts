import type { FastifyInstance } from 'fastify'
import type { Static } from 'typebox'
import { adminResetMfa, adminUnlockUser } from '../../../accounts/admin-security.js'
import type { Deps } from '../../../deps/types.js'
import { adminDoc, UserIdParams } from '../../admin-schemas.js'
import { clientMeta, currentAuth } from '../../auth.js'
import { errors } from '../../schemas.js'

const fail = { 401: errors.detail, 403: errors.oauth, 404: errors.detail, 422: errors.validation }

/** /admin/users/{id}/mfa and /admin/users/{id}/unlock: an admin's help for a locked-out person. */
export function registerAdminUserSecurityRoutes(admin: FastifyInstance, deps: Deps): void {
  const actor = (request: Parameters<typeof currentAuth>[0]) => ({ actorId: currentAuth(request).user.id, meta: clientMeta(request) })

  admin.delete<{ Params: Static<typeof UserIdParams> }>(
    '/users/:id/mfa',
    {
      schema: {
        ...adminDoc,
        summary: "Reset a user's MFA (a lost device): their TOTP factor and recovery codes are removed",
        params: UserIdParams,
        response: { 204: errors.noContent, 400: errors.detail, ...fail },
      },
    },
    async function adminRemoveMfa(request, reply) {
      await adminResetMfa(deps, request.params.id, actor(request))
      return reply.code(204).send()
    },
  )

  admin.post<{ Params: Static<typeof UserIdParams> }>(
    '/users/:id/unlock',
    {
      schema: { ...adminDoc, summary: "Lift a user's sign-in back-off", params: UserIdParams, response: { 204: errors.noContent, ...fail } },
    },
    async function adminUnlock(request, reply) {
      await adminUnlockUser(deps, request.params.id, actor(request))
      return reply.code(204).send()
    },
  )
}
