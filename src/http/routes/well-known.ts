import type { FastifyInstance } from 'fastify'
import { scopeCatalog } from '../../accounts/scopes.js'
import type { Deps } from '../../deps/types.js'
import { GRANTS } from '../../sessions/grants/index.js'
import { publishedJwks, refreshRings } from '../../tokens/key-rings.js'

export function registerWellKnownRoutes(app: FastifyInstance, deps: Deps): void {
  const base = deps.config.issuer.replace(/\/$/, '')
  // RFC 8414 §2; built once, as nothing in it changes while the process runs.
  const metadata = {
    issuer: deps.config.issuer,
    token_endpoint: `${base}/token`,
    jwks_uri: `${base}/.well-known/jwks.json`,
    revocation_endpoint: `${base}/revoke`,
    // From the grant map itself: a grant added there is advertised here, and nothing else is.
    grant_types_supported: [...GRANTS.keys()],
    response_types_supported: [] as string[],
    token_endpoint_auth_methods_supported: ['none'],
    revocation_endpoint_auth_methods_supported: ['none'],
    scopes_supported: Object.keys(scopeCatalog(deps.config.roleScopes)),
    service_documentation: `${base}/docs`,
  }

  app.get('/.well-known/jwks.json', { schema: { summary: 'Public signing keys (RFC 7517)', tags: ['meta'] } }, async function jwks(_request, reply) {
    // Rotation publishes a key KEY_PUBLISH_LEAD (by default this max-age) before it signs, so a
    // verifier that cached this answer already holds the next key when tokens start carrying it.
    reply.header('cache-control', `public, max-age=${deps.config.jwksMaxAgeSeconds}`)
    // A key rotated by another process (the CLI, another instance) is published here at once.
    // Both rings: the access tokens' keys and the ID tokens' RS256 keys (OpenID Connect Core §10.1).
    await refreshRings(deps, 1000)
    return publishedJwks(deps, deps.clock())
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
