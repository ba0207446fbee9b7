import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Static } from 'typebox'
import type { Deps } from '../../deps/types.js'
import { invalidFields, unsupportedGrantType } from '../../errors.js'
import { addressKey } from '../../lib/client-address.js'
import { GRANTS } from '../../sessions/grants/index.js'
import { clientMeta } from '../auth.js'
import { presentedClient } from '../client-credentials.js'
import { passwordWork } from '../password-work.js'
import { limit, RULES } from '../rate-limit.js'
import { errors, TokenBody, TokenResponseSchema } from '../schemas.js'

type TokenForm = Static<typeof TokenBody>

const CLIENT_GRANTS = new Set(['authorization_code', 'client_credentials'])
const grantTypeOf = (request: FastifyRequest) => (request.body as TokenForm | undefined)?.grant_type ?? 'password'
/** A refresh that authenticates a client with its secret (checked by the grant, backed off per client on failure). */
function sendsClientSecret(request: FastifyRequest): boolean {
  if (grantTypeOf(request) !== 'refresh_token') return false
  try {
    return presentedClient(request)?.secret != null
  } catch {
    return false
  }
}

export function registerTokenRoutes(app: FastifyInstance, deps: Deps): void {
  app.post<{ Body: TokenForm }>(
    '/token',
    {
      schema: {
        summary: 'Get tokens (password, refresh_token, authorization_code, client_credentials, the MFA grant after mfa_required, or a passkey assertion)',
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
        // Per address for the grants people sign in with. Not for a client's own grants: a web
        // app's back end exchanges every user's code from one address, and a service asks for
        // client_credentials at its own pace; both authenticate as a client, whose wrong secrets
        // back off per client (oidc/client-auth.ts), and a code or verifier cannot be guessed.
        // A confidential client's refreshes likewise (they come from its back end, for every user).
        limit(deps, RULES.token, (request) => (CLIENT_GRANTS.has(grantTypeOf(request)) || sendsClientSecret(request) ? null : addressKey(request.ip))),
        passwordWork(deps, (request) => grantTypeOf(request) === 'password'),
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
      return grant.handler(deps, params, clientMeta(request), grant.client ? presentedClient(request) : null)
    },
  )
}
