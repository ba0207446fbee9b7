import type { FastifyInstance, FastifyReply } from 'fastify'
import { OIDC_SCOPES, scopeCatalog } from '../../accounts/scopes.js'
import type { Deps } from '../../deps/types.js'
import { CLAIMS_SUPPORTED } from '../../oidc/claims.js'
import { idTokenAlgs } from '../../oidc/client-rules.js'
import { GRANTS } from '../../sessions/grants/index.js'
import { publishedJwks, refreshRings } from '../../tokens/key-rings.js'

export function registerWellKnownRoutes(app: FastifyInstance, deps: Deps): void {
  const base = deps.config.issuer.replace(/\/$/, '')
  const pages = deps.config.accountPages
  // One document for RFC 8414 and OpenID Connect Discovery 1.0 §3, built once: nothing in it
  // changes while the process runs. The grants come from the grant map itself, so a grant added
  // there is advertised here, and nothing else is.
  const metadata = {
    issuer: deps.config.issuer,
    ...(pages ? { authorization_endpoint: `${base}/authorize` } : {}),
    token_endpoint: `${base}/token`,
    userinfo_endpoint: `${base}/userinfo`,
    jwks_uri: `${base}/.well-known/jwks.json`,
    ...(pages ? { end_session_endpoint: `${base}/end-session` } : {}),
    revocation_endpoint: `${base}/revoke`,
    introspection_endpoint: `${base}/introspect`,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: [...GRANTS.keys()],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: idTokenAlgs(deps.config),
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    scopes_supported: [...new Set([...OIDC_SCOPES, ...Object.keys(scopeCatalog(deps.config.roleScopes))])],
    claims_supported: CLAIMS_SUPPORTED,
    prompt_values_supported: ['none', 'login', 'consent', 'select_account'],
    authorization_response_iss_parameter_supported: true,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    claims_parameter_supported: false,
    service_documentation: `${base}/docs`,
  }
  const discovery = { schema: { summary: 'Server metadata (RFC 8414, OpenID Connect Discovery 1.0)', tags: ['meta'] } }
  const serveMetadata = async (_request: unknown, reply: FastifyReply) => {
    reply.header('cache-control', 'public, max-age=3600')
    return metadata
  }
  app.get('/.well-known/openid-configuration', discovery, serveMetadata)
  app.get('/.well-known/oauth-authorization-server', discovery, serveMetadata)

  app.get('/.well-known/jwks.json', { schema: { summary: 'Public signing keys (RFC 7517)', tags: ['meta'] } }, async function jwks(_request, reply) {
    // Rotation publishes a key KEY_PUBLISH_LEAD (by default this max-age) before it signs, so a
    // verifier that cached this answer already holds the next key when tokens start carrying it.
    reply.header('cache-control', `public, max-age=${deps.config.jwksMaxAgeSeconds}`)
    // A key rotated by another process (the CLI, another instance) is published here at once.
    // Both rings: the access tokens' keys and the ID tokens' RS256 keys (OpenID Connect Core §10.1).
    await refreshRings(deps, 1000)
    return publishedJwks(deps, deps.clock())
  })
}
