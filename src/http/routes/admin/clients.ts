import type { FastifyInstance } from 'fastify'
import type { Static } from 'typebox'
import type { Deps } from '../../../deps/types.js'
import { toClientView } from '../../../oidc/client-view.js'
import { deleteClient, findClientOr404, listClients, registerClient, rotateClientSecret, updateClient } from '../../../oidc/clients.js'
import { adminDoc } from '../../admin-schemas.js'
import { clientMeta, currentAuth } from '../../auth.js'
import { ClientCreateBody, ClientIdParams, ClientList, ClientPatchBody, ClientSchema, ClientWithSecret } from '../../client-schemas.js'
import { errors } from '../../schemas.js'

const fail = { 401: errors.detail, 403: errors.oauth, 422: errors.validation }

/** /admin/clients: the OpenID Connect client registry. */
export function registerAdminClientRoutes(admin: FastifyInstance, deps: Deps): void {
  const actor = (request: Parameters<typeof currentAuth>[0]) => ({ actorId: currentAuth(request).user.id, meta: clientMeta(request) })

  admin.get(
    '/clients',
    { schema: { ...adminDoc, summary: 'List clients (oldest first)', response: { 200: ClientList, ...fail } } },
    async function adminListClients() {
      return { clients: (await listClients(deps)).map(toClientView) }
    },
  )

  admin.post<{ Body: Static<typeof ClientCreateBody> }>(
    '/clients',
    {
      schema: {
        ...adminDoc,
        summary: 'Register a client (a confidential one’s secret is in this response only)',
        body: ClientCreateBody,
        response: { 201: ClientWithSecret, ...fail },
      },
    },
    async function adminCreateClient(request, reply) {
      const { client, secret } = await registerClient(deps, request.body, actor(request))
      return reply.code(201).send({ ...toClientView(client), ...(secret ? { client_secret: secret } : {}) })
    },
  )

  admin.get<{ Params: Static<typeof ClientIdParams> }>(
    '/clients/:client_id',
    { schema: { ...adminDoc, summary: 'Read a client', params: ClientIdParams, response: { 200: ClientSchema, 404: errors.detail, ...fail } } },
    async function adminReadClient(request) {
      return toClientView(await findClientOr404(deps, request.params.client_id))
    },
  )

  admin.patch<{ Params: Static<typeof ClientIdParams>; Body: Static<typeof ClientPatchBody> }>(
    '/clients/:client_id',
    {
      schema: {
        ...adminDoc,
        summary: 'Change a client (not its type: register a new one)',
        params: ClientIdParams,
        body: ClientPatchBody,
        response: { 200: ClientSchema, 404: errors.detail, ...fail },
      },
    },
    async function adminPatchClient(request) {
      return toClientView(await updateClient(deps, request.params.client_id, request.body, actor(request)))
    },
  )

  admin.post<{ Params: Static<typeof ClientIdParams> }>(
    '/clients/:client_id/secret',
    {
      schema: {
        ...adminDoc,
        summary: 'Give a confidential client a new secret (the old one stops working at once)',
        params: ClientIdParams,
        response: { 200: ClientWithSecret, 400: errors.detail, 404: errors.detail, ...fail },
      },
    },
    async function adminRotateClientSecret(request) {
      const { client, secret } = await rotateClientSecret(deps, request.params.client_id, actor(request))
      return { ...toClientView(client), client_secret: secret }
    },
  )

  admin.delete<{ Params: Static<typeof ClientIdParams> }>(
    '/clients/:client_id',
    {
      schema: {
        ...adminDoc,
        summary: 'Delete a client and end every session issued to it',
        params: ClientIdParams,
        response: { 204: errors.noContent, 404: errors.detail, ...fail },
      },
    },
    async function adminDeleteClient(request, reply) {
      await deleteClient(deps, request.params.client_id, actor(request))
      return reply.code(204).send()
    },
  )
}
