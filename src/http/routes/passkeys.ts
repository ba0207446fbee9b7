import type { FastifyInstance, FastifyRequest } from 'fastify'
import { type Static, Type } from 'typebox'
import type { Deps } from '../../deps/types.js'
import { CLIENT_ID } from '../../sessions/issue-tokens.js'
import { passkeyAuthenticationOptions } from '../../passkeys/authentication.js'
import { listPasskeys, removePasskey, renamePasskey } from '../../passkeys/manage.js'
import { passkeyRegistrationOptions, registerPasskey } from '../../passkeys/registration.js'
import type { RateRule } from '../../rate-limit/limiter.js'
import { addressKey } from '../../lib/client-address.js'
import { clientMeta, currentAuth, requireAccount } from '../auth.js'
import {
  AddPasskeyBody,
  CreationOptionsSchema,
  PasskeyIdParams,
  PasskeyOptionsBody,
  PasskeySchema,
  RenamePasskeyBody,
  RequestOptionsSchema,
} from '../passkey-schemas.js'
import { passwordWork } from '../password-work.js'
import { limit, RULES } from '../rate-limit.js'
import { bearer, errors, PasskeyAddOptionsBody } from '../schemas.js'

/**
 * Per client address, sign-in options (each stores a challenge; the store also caps live ones), and
 * per user, registration (each verifies an attestation).
 */
export const PASSKEY_RULES = {
  signInOptions: { name: 'passkey-options-ip', limit: 30, windowSeconds: 60 },
  registration: { name: 'passkey-registration-user', limit: 30, windowSeconds: 900 },
} satisfies Record<string, RateRule>

/** /users/me/passkeys (bearer): add, list, rename, remove; /passkeys/options: a sign-in ceremony's challenge. The sign-in itself is the passkey grant of POST /token. */
export function registerPasskeyRoutes(app: FastifyInstance, deps: Deps): void {
  const guard = requireAccount(deps)
  const common = { tags: ['passkeys'], security: bearer }
  const byUser = (request: FastifyRequest) => currentAuth(request).user.id
  const noStore = { 'cache-control': 'no-store' }
  const unavailable = { 404: errors.detail }

  // With a password the request is a re-authentication, limited as the other re-authenticating routes are.
  type AddOptions = { Body: Static<typeof PasskeyAddOptionsBody> }
  const withPassword = (request: FastifyRequest) => Boolean((request.body as Static<typeof PasskeyAddOptionsBody> | undefined)?.password)
  app.post<AddOptions>(
    '/users/me/passkeys/options',
    {
      schema: {
        ...common,
        summary: 'Options for navigator.credentials.create(): a single-use challenge (3 minutes), your passkeys excluded',
        description:
          'Adding a passkey is a sensitive change: within 5 minutes of signing in (with the second factor when two-factor authentication is on) no body is needed; otherwise send your password, and otp or recovery_code when two-factor authentication is on. Without them: 403 (reauthentication_required).',
        body: PasskeyAddOptionsBody,
        response: { 200: CreationOptionsSchema, 400: errors.detail, 401: errors.detail, 403: errors.oauth, ...unavailable, 422: errors.validation },
      },
      // No body at all (the fresh-session case) is `{}`.
      preValidation: async function emptyBody(request) {
        if (request.body === undefined) request.body = {}
      },
      preHandler: [
        guard,
        limit(deps, PASSKEY_RULES.registration, byUser),
        limit(deps, RULES.password, (request) => (withPassword(request) ? addressKey(request.ip) : null)),
        limit(deps, RULES.passwordUser, (request) => (withPassword(request) ? byUser(request) : null)),
        passwordWork(deps, withPassword),
      ],
    },
    async function passkeyCreationOptions(request, reply) {
      reply.headers(noStore)
      const { user, session, claims } = currentAuth(request)
      const { password, otp, recovery_code } = request.body
      // A session issued to an OpenID Connect client is never "fresh" here: the person signed in to
      // that app, not to add a credential through it (its token would otherwise add the app's own).
      const authTime = claims.client_id === CLIENT_ID ? session.authTime : new Date(0)
      return passkeyRegistrationOptions(deps, user, { authTime, password, otp, recoveryCode: recovery_code }, clientMeta(request))
    },
  )

  app.post<{ Body: Static<typeof AddPasskeyBody> }>(
    '/users/me/passkeys',
    {
      schema: {
        ...common,
        summary: 'Add a passkey: the response of navigator.credentials.create() for the options above',
        description:
          'Refused (400 passkey_not_discoverable) when clientExtensionResults.credProps.rk is false: sign-in is with discoverable passkeys only. Without credProps it is accepted.',
        body: AddPasskeyBody,
        response: { 201: PasskeySchema, 400: errors.detail, 401: errors.detail, ...unavailable, 422: errors.validation },
      },
      preHandler: [guard, limit(deps, PASSKEY_RULES.registration, byUser)],
    },
    async function addPasskey(request, reply) {
      const added = await registerPasskey(deps, currentAuth(request).user, request.body, clientMeta(request))
      return reply.code(201).headers(noStore).send(added)
    },
  )

  app.get(
    '/users/me/passkeys',
    { schema: { ...common, summary: 'Your passkeys', response: { 200: Type.Array(PasskeySchema), 401: errors.detail } }, preHandler: guard },
    async function readPasskeys(request, reply) {
      reply.headers(noStore)
      return listPasskeys(deps, currentAuth(request).user)
    },
  )

  app.patch<{ Params: Static<typeof PasskeyIdParams>; Body: Static<typeof RenamePasskeyBody> }>(
    '/users/me/passkeys/:id',
    {
      schema: {
        ...common,
        summary: 'Rename one of your passkeys',
        params: PasskeyIdParams,
        body: RenamePasskeyBody,
        response: { 200: PasskeySchema, 401: errors.detail, 404: errors.detail, 422: errors.validation },
      },
      preHandler: guard,
    },
    async function patchPasskey(request, reply) {
      reply.headers(noStore)
      return renamePasskey(deps, currentAuth(request).user, request.params.id, request.body.name, clientMeta(request))
    },
  )

  app.delete<{ Params: Static<typeof PasskeyIdParams> }>(
    '/users/me/passkeys/:id',
    {
      schema: {
        ...common,
        summary: 'Remove one of your passkeys (another user’s id: 404)',
        params: PasskeyIdParams,
        response: { 204: errors.noContent, 400: errors.detail, 401: errors.detail, 404: errors.detail },
      },
      preHandler: guard,
    },
    async function deletePasskey(request, reply) {
      await removePasskey(deps, currentAuth(request).user, request.params.id, clientMeta(request))
      return reply.code(204).send()
    },
  )

  app.post<{ Body: Static<typeof PasskeyOptionsBody> | undefined }>(
    '/passkeys/options',
    {
      schema: {
        tags: ['passkeys'],
        summary:
          'Options for navigator.credentials.get(): a single-use challenge (3 minutes); then POST /token with grant_type urn:gatehouse:grant-type:passkey',
        description:
          'For discoverable passkeys: allowCredentials is always empty. A username is accepted and changes nothing (the answer never tells whether an account has passkeys).',
        body: PasskeyOptionsBody,
        response: { 200: RequestOptionsSchema, ...unavailable, 422: errors.validation, 503: errors.detail },
      },
      // No body at all is a discoverable sign-in, as `{}` is.
      preValidation: async function emptyBody(request) {
        if (request.body === undefined) request.body = {}
      },
      preHandler: limit(deps, PASSKEY_RULES.signInOptions),
    },
    async function passkeyRequestOptions(request, reply) {
      reply.headers(noStore)
      return passkeyAuthenticationOptions(deps, { username: request.body?.username })
    },
  )
}
