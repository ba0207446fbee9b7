import type { FastifyInstance } from 'fastify'
import type { Static } from 'typebox'
import type { Deps } from '../../deps/types.js'
import { invalidFields, unsupportedGrantType } from '../../errors.js'
import { GRANTS } from '../../sessions/grants/index.js'
import { clientMeta } from '../auth.js'
import { passwordWork } from '../password-work.js'
import { limit, RULES } from '../rate-limit.js'
import { errors, TokenBody, TokenResponseSchema } from '../schemas.js'

type TokenForm = Static<typeof TokenBody>

export function registerTokenRoutes(app: FastifyInstance, deps: Deps): void {
  app.post<{ Body: TokenForm }>(
    '/token',
    {
      schema: {
        summary: 'Get tokens (OAuth2 password, refresh_token, the MFA grant after mfa_required, or a passkey assertion)',
        description: 'RFC 6749 §4.3 and §6. Form-encoded (as OAuth2PasswordRequestForm) or JSON.',
        tags: ['tokens'],
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        body: TokenBody,
        response: { 200: TokenResponseSchema, 400: errors.oauth, 401: errors.oauth, 403: errors.oauth, 422: errors.validation },
      },
      // RFC 6749 §5.1 and §5.2: token responses, errors included, are never cached: set before
      // anything can answer (the limiter's 429, validation's 422, the handler's errors).
      onRequest: async function noStore(_request, reply) {
        reply.header('cache-control', 'no-store').header('pragma', 'no-cache')
      },
      // Only the password grant hashes; refreshes and other grants check no password.
      preHandler: [
        limit(deps, RULES.token),
        passwordWork(deps, (request) => ((request.body as TokenForm | undefined)?.grant_type ?? 'password') === 'password'),
      ],
    },
    async function issueToken(request) {
      const body = request.body as Readonly<Record<string, unknown>>
      // The passkey grant's assertion arrives as an object in a JSON body: grants read text.
      const params = (typeof body?.response === 'object' ? { ...body, response: JSON.stringify(body.response) } : body) as Readonly<
        Record<string, string | undefined>
      >
      // As FastAPI's OAuth2PasswordRequestForm: grant_type defaults to password.
      const grant = GRANTS.get(params.grant_type ?? 'password')
      if (!grant) throw unsupportedGrantType()
      const missing = grant.parameters.required.filter((p) => params[p] === undefined)
      if (missing.length > 0) throw invalidFields(missing.map((p) => ({ loc: ['body', p], msg: 'Field required', type: 'missing' })))
      return grant.handler(deps, params, clientMeta(request))
    },
  )
}
