import type { FastifyInstance } from 'fastify'
import type { Static } from 'typebox'
import type { Deps } from '../../../deps/types.js'
import { invalidField } from '../../../errors.js'
import { listAuditPage } from '../../../events/audit-log.js'
import { AuditPage, AuditQuery, adminDoc } from '../../admin-schemas.js'
import { errors } from '../../schemas.js'

/** An RFC 3339 time the schema let through but Date cannot hold (a leap second) is still a 422, never NaN. */
function parseTime(field: string, text: string): Date {
  const d = new Date(text)
  if (Number.isNaN(d.getTime())) throw invalidField(['query', field], 'Input should be a valid datetime')
  return d
}

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
        since: q.since ? parseTime('since', q.since) : undefined,
        until: q.until ? parseTime('until', q.until) : undefined,
        limit: q.limit ? Number(q.limit) : 50,
        cursor: q.cursor,
      })
    },
  )
}
