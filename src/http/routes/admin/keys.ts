import type { FastifyInstance } from 'fastify'
import type { Static } from 'typebox'
import type { Deps } from '../../../deps/types.js'
import { keyRevocationUnsupported, keyRotationUnsupported, notFound } from '../../../errors.js'
import type { KeyInfo } from '../../../tokens/keys.js'
import { RotationUnsupportedError, revokeSigningKey, rotateSigningKey } from '../../../tokens/rotation.js'
import { adminDoc, KeyList, KeyOut, KidParams, RotateBody } from '../../admin-schemas.js'
import { clientMeta, currentAuth } from '../../auth.js'
import { errors } from '../../schemas.js'

export const toKeyView = (k: KeyInfo) => ({
  kid: k.kid,
  alg: k.alg,
  state: k.state,
  created_at: k.createdAt.toISOString(),
  activates_at: k.activatesAt.toISOString(),
  retires_at: k.retiresAt?.toISOString() ?? null,
})

export function registerAdminKeyRoutes(admin: FastifyInstance, deps: Deps): void {
  admin.get(
    '/keys',
    { schema: { ...adminDoc, summary: 'Signing keys and their states', response: { 200: KeyList, 401: errors.detail, 403: errors.oauth } } },
    async function adminListKeys() {
      await deps.keys.refresh(0)
      return { keys: deps.keys.list(deps.clock()).map(toKeyView) }
    },
  )

  admin.post<{ Body: Static<typeof RotateBody> }>(
    '/keys/rotate',
    {
      schema: {
        ...adminDoc,
        summary: 'Rotate the signing key',
        description:
          'Publishes a new key at once; it signs after KEY_PUBLISH_LEAD (or at once with {"now": true}). The old key stays published until its tokens expire. A next key still waiting to sign is replaced (the audit event names it).',
        body: RotateBody,
        response: { 201: KeyOut, 400: errors.detail, 401: errors.detail, 403: errors.oauth, 422: errors.validation },
      },
    },
    async function adminRotateKey(request, reply) {
      try {
        const key = await rotateSigningKey(deps, { immediately: request.body?.now === true, actorId: currentAuth(request).user.id, meta: clientMeta(request) })
        return reply.code(201).send(toKeyView(key!))
      } catch (err) {
        if (err instanceof RotationUnsupportedError) throw keyRotationUnsupported()
        throw err
      }
    },
  )

  admin.delete<{ Params: Static<typeof KidParams> }>(
    '/keys/:kid',
    {
      schema: {
        ...adminDoc,
        summary: 'Revoke a signing key at once (compromised)',
        description:
          'Drops the key everywhere: it leaves JWKS and every token it signed fails verification on every instance. Revoking the active key makes a new key active first.',
        params: KidParams,
        response: { 204: errors.noContent, 400: errors.detail, 401: errors.detail, 403: errors.oauth, 404: errors.detail },
      },
    },
    async function adminRevokeKey(request, reply) {
      let revoked: boolean
      try {
        const by = { actorId: currentAuth(request).user.id, meta: clientMeta(request) }
        revoked = await revokeSigningKey({ ...deps, bus: deps.shared.bus }, request.params.kid, by)
      } catch (err) {
        if (err instanceof RotationUnsupportedError) throw keyRevocationUnsupported()
        throw err
      }
      if (!revoked) throw notFound()
      return reply.code(204).send()
    },
  )
}
