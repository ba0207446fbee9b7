import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Static } from 'typebox'
import type { Deps } from '../../deps/types.js'
import { confirmTotpEnrolment, disableTotp, regenerateRecoveryCodes, startTotpEnrolment } from '../../mfa/totp.js'
import { clientMeta, currentAuth, requireAccount } from '../auth.js'
import { passwordWork } from '../password-work.js'
import { limit, RULES } from '../rate-limit.js'
import { bearer, errors, ReauthBody, RecoveryCodesResponse, TotpConfirmBody, TotpEnrolBody, TotpEnrolResponse } from '../schemas.js'

/** /users/me/mfa/*: TOTP enrolment, confirmation, turning it off, new recovery codes. */
export function registerMfaRoutes(app: FastifyInstance, deps: Deps): void {
  const guard = requireAccount(deps)
  const common = { tags: ['mfa'], security: bearer }
  const byUser = (request: FastifyRequest) => currentAuth(request).user.id
  // Each checks the password (or a code): limited like the other re-authenticating routes.
  const reauthLimits = [guard, limit(deps, RULES.password), limit(deps, RULES.passwordUser, byUser), passwordWork(deps)]
  const noStore = { 'cache-control': 'no-store' }

  app.post<{ Body: Static<typeof TotpEnrolBody> }>(
    '/users/me/mfa/totp',
    {
      schema: {
        ...common,
        summary: 'Start TOTP enrolment (password required): the secret, its otpauth:// URI and a QR code; not active until confirmed',
        body: TotpEnrolBody,
        response: { 200: TotpEnrolResponse, 400: errors.detail, 401: errors.detail, 403: errors.oauth, 422: errors.validation },
      },
      preHandler: reauthLimits,
    },
    async function enrolTotp(request, reply) {
      reply.headers(noStore)
      return startTotpEnrolment(deps, currentAuth(request).user, request.body, clientMeta(request))
    },
  )

  app.post<{ Body: Static<typeof TotpConfirmBody> }>(
    '/users/me/mfa/totp/confirm',
    {
      schema: {
        ...common,
        summary: 'Confirm TOTP with a code: MFA is on; the 10 recovery codes are shown this once',
        body: TotpConfirmBody,
        response: { 200: RecoveryCodesResponse, 400: errors.detail, 401: errors.detail, 422: errors.validation },
      },
      preHandler: [guard, limit(deps, RULES.passwordUser, byUser)],
    },
    async function confirmTotp(request, reply) {
      reply.headers(noStore)
      return { recovery_codes: await confirmTotpEnrolment(deps, currentAuth(request).user, request.body.code, clientMeta(request)) }
    },
  )

  app.delete<{ Body: Static<typeof ReauthBody> }>(
    '/users/me/mfa/totp',
    {
      schema: {
        ...common,
        summary: 'Turn TOTP off (password and the current code or a recovery code)',
        body: ReauthBody,
        response: { 204: errors.noContent, 400: errors.detail, 401: errors.detail, 403: errors.oauth, 422: errors.validation },
      },
      preHandler: reauthLimits,
    },
    async function removeTotp(request, reply) {
      await disableTotp(deps, currentAuth(request).user, request.body, clientMeta(request))
      return reply.code(204).send()
    },
  )

  app.post<{ Body: Static<typeof ReauthBody> }>(
    '/users/me/mfa/recovery-codes',
    {
      schema: {
        ...common,
        summary: 'New recovery codes (password and the current code); the old ones stop working',
        body: ReauthBody,
        response: { 200: RecoveryCodesResponse, 400: errors.detail, 401: errors.detail, 403: errors.oauth, 422: errors.validation },
      },
      preHandler: reauthLimits,
    },
    async function newRecoveryCodes(request, reply) {
      reply.headers(noStore)
      return { recovery_codes: await regenerateRecoveryCodes(deps, currentAuth(request).user, request.body, clientMeta(request)) }
    },
  )
}
