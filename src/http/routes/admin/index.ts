import type { FastifyInstance } from 'fastify'
import type { Deps } from '../../../deps/types.js'
import { requireScope } from '../../auth.js'
import { registerAdminAuditRoutes } from './audit.js'
import { registerAdminClientRoutes } from './clients.js'
import { registerAdminKeyRoutes } from './keys.js'
import { registerAdminUserSecurityRoutes } from './user-security.js'
import { registerAdminUserRoutes } from './users.js'

/** /admin/*: one encapsulated plugin whose guard is declared once, for every route inside it. */
export async function registerAdminRoutes(app: FastifyInstance, deps: Deps): Promise<void> {
  await app.register(
    async function adminPlugin(admin) {
      // onRequest, before the body is even parsed: without an admin token nothing else happens.
      admin.addHook('onRequest', requireScope(deps, 'admin'))
      admin.addHook('onSend', async (_request, reply) => {
        reply.header('cache-control', 'no-store')
      })
      registerAdminUserRoutes(admin, deps) //   /admin/users, /admin/users/{id}, /admin/users/{id}/sessions
      registerAdminUserSecurityRoutes(admin, deps) // /admin/users/{id}/mfa, /admin/users/{id}/unlock
      registerAdminKeyRoutes(admin, deps) //    /admin/keys, /admin/keys/rotate
      registerAdminAuditRoutes(admin, deps) //  /admin/audit
      registerAdminClientRoutes(admin, deps) // /admin/clients, /admin/clients/{client_id}, /admin/clients/{client_id}/secret
    },
    { prefix: '/admin' },
  )
}
