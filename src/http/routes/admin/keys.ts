import type { FastifyInstance } from 'fastify'
import type { Static } from 'typebox'
import type { Deps } from '../../../deps/types.js'
import { keyAlgNotInUse, keyRevocationUnsupported, keyRotationUnsupported, notFound } from '../../../errors.js'
import { listRingKeys, refreshRings } from '../../../tokens/key-rings.js'
import type { KeyInfo } from '../../../tokens/keys.js'
import { KeyAlgNotInUseError, RotationUnsupportedError, revokeSigningKey, rotateSigningKey, rotateSigningKeys } from '../../../tokens/rotation.js'
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
    {
      schema: {
        ...adminDoc,
        summary: 'Signing keys and their states',
        description: "Both rings: the access tokens' keys (JWT_ALG) first, then the ID tokens' (RS256); each key names its alg.",
        response: { 200: KeyList, 401: errors.detail, 403: errors.oauth },
      },
    },
    async function adminListKeys() {
      await refreshRings(deps, 0)
      return { keys: listRingKeys(deps, deps.clock()).map(toKeyView) }
    },
  )

  admin.post<{ Body: Static<typeof RotateBody> }>(
    '/keys/rotate',
    {
      schema: {
        ...adminDoc,
        summary: 'Rotate the signing keys',
        description:
          'Publishes a new key at once; it signs after KEY_PUBLISH_LEAD (or at once with {"now": true}). The old key stays published until its tokens expire. A next key still waiting to sign is replaced (the audit event names it). Rotates both rings: the answer is the new access-token key, with the new ID-token key (RS256) in `id_token_key`. With {"alg"} only that ring rotates, and the answer is its new key (with JWT_ALG=HS256, {"alg": "RS256"} is how the ID-token key rotates by hand).',
        body: RotateBody,
        response: { 201: KeyOut, 400: errors.detail, 401: errors.detail, 403: errors.oauth, 422: errors.validation },
      },
    },
    async function adminRotateKey(request, reply) {
      const opts = { immediately: request.body?.now === true, actorId: currentAuth(request).user.id, meta: clientMeta(request) }
      const alg = request.body?.alg
      try {
        if (alg) return reply.code(201).send(toKeyView((await rotateSigningKey(deps, { ...opts, alg }))!))
        const { access, idToken } = await rotateSigningKeys(deps, opts)
        // The access-token key on top, as before there was a second ring.
        return reply.code(201).send({ ...toKeyView(access), id_token_key: toKeyView(idToken) })
      } catch (err) {
        if (err instanceof RotationUnsupportedError) throw keyRotationUnsupported()
        if (err instanceof KeyAlgNotInUseError) throw keyAlgNotInUse()
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
          'Drops the key (of either ring: access tokens or ID tokens) everywhere: it leaves JWKS and every token it signed fails verification on every instance. Revoking an active key makes a new key of its ring active first.',
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
