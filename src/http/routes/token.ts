import type { FastifyInstance } from 'fastify'
import type { Static } from 'typebox'
import type { Deps } from '../../deps.js'
import { invalidField, unsupportedGrantType } from '../../errors.js'
import type { TokenResponse } from '../../sessions/issue-tokens.js'
import { passwordGrant } from '../../sessions/password-grant.js'
import { refreshGrant } from '../../sessions/refresh-grant.js'
import { limit, RULES } from '../rate-limit.js'
import { errors, TokenBody, TokenResponseSchema } from '../schemas.js'

type TokenForm = Static<typeof TokenBody>
type Grant = (deps: Deps, form: TokenForm, meta: { userAgent: string | null; ip: string }) => Promise<TokenResponse>

const required = (form: TokenForm, field: 'username' | 'password' | 'refresh_token'): string => {
  const v = form[field]
  if (v === undefined) throw invalidField(['body', field], 'Field required', 'missing')
  return v
}

/** grant_type → handler. A new grant is a new entry, each with the same shape. */
const GRANTS: Record<string, Grant> = {
  password: (deps, form, meta) =>
    passwordGrant(deps, { username: required(form, 'username'), password: required(form, 'password'), scope: form.scope, ...meta }),
  refresh_token: (deps, form) => refreshGrant(deps, { refresh_token: required(form, 'refresh_token'), scope: form.scope }),
}

export function registerTokenRoutes(app: FastifyInstance, deps: Deps): void {
  app.post<{ Body: TokenForm }>(
    '/token',
    {
      schema: {
        summary: 'Get tokens (OAuth2 password or refresh_token grant)',
        description: 'RFC 6749 §4.3 and §6. Form-encoded (as OAuth2PasswordRequestForm) or JSON.',
        tags: ['tokens'],
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        body: TokenBody,
        response: { 200: TokenResponseSchema, 400: errors.oauth, 401: errors.oauth, 422: errors.validation },
      },
      preHandler: limit(deps, RULES.token),
    },
    async function issueToken(request, reply) {
      // RFC 6749 §5.1 and §5.2: token responses, errors included, are never cached.
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache')
      const form = request.body
      // As FastAPI's OAuth2PasswordRequestForm: grant_type defaults to password.
      const type = form.grant_type ?? 'password'
      // hasOwn: "__proto__" or "constructor" must not find Object.prototype's members.
      const grant = Object.hasOwn(GRANTS, type) ? GRANTS[type] : undefined
      if (!grant) throw unsupportedGrantType()
      const userAgent = typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'] : null
      return grant(deps, form, { userAgent, ip: request.ip })
    },
  )
}
