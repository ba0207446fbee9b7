import type { FastifyInstance } from 'fastify'
import { SCOPES } from '../../accounts/scopes.js'
import type { Deps } from '../../deps.js'

export function registerWellKnownRoutes(app: FastifyInstance, deps: Deps): void {
  const base = deps.config.issuer.replace(/\/$/, '')
  // RFC 8414 §2; built once, as nothing in it changes while the process runs.
  const metadata = {
    issuer: deps.config.issuer,
    token_endpoint: `${base}/token`,
    jwks_uri: `${base}/.well-known/jwks.json`,
    revocation_endpoint: `${base}/revoke`,
    grant_types_supported: ['password', 'refresh_token'],
    response_types_supported: [] as string[],
    token_endpoint_auth_methods_supported: ['none'],
    revocation_endpoint_auth_methods_supported: ['none'],
    scopes_supported: Object.keys(SCOPES),
    service_documentation: `${base}/docs`,
  }

  app.get('/.well-known/jwks.json', { schema: { summary: 'Public signing keys (RFC 7517)', tags: ['meta'] } }, async function jwks(_request, reply) {
    // Short cache: verifiers pick up a new key within minutes, and rotation publishes keys before they sign.
    reply.header('cache-control', 'public, max-age=300')
    return deps.keys.jwks()
  })

  app.get(
    '/.well-known/oauth-authorization-server',
    { schema: { summary: 'Server metadata (RFC 8414)', tags: ['meta'] } },
    async function serverMetadata(_request, reply) {
      reply.header('cache-control', 'public, max-age=3600')
      return metadata
    },
  )
}
