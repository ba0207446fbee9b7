import type { FastifyInstance } from 'fastify'
import type { Static } from 'typebox'
import type { Deps } from '../../../deps.js'
import { listAuditPage } from '../../../events/audit-log.js'
import { AuditPage, AuditQuery, adminDoc } from '../../admin-schemas.js'
import { errors } from '../../schemas.js'

export function registerAdminAuditRoutes(admin: FastifyInstance, deps: Deps): void {
  admin.get<{ Querystring: Static<typeof AuditQuery> }>(
    '/audit',
    {
      schema: {
        ...adminDoc,
        summary: 'The audit log, newest first (filter by user, type, time)',
        querystring: AuditQuery,
        response: { 200: AuditPage, 401: errors.detail, 403: errors.oauth, 422: errors.validation },
      },
    },
    async function adminListAudit(request) {
      const q = request.query
      return listAuditPage(deps, {
        userId: q.user_id,
        type: q.type,
        since: q.since ? new Date(q.since) : undefined,
        until: q.until ? new Date(q.until) : undefined,
        limit: q.limit ? Number(q.limit) : 50,
        cursor: q.cursor,
      })
    },
  )
}
