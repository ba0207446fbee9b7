import { OIDC_SCOPES } from '../accounts/scopes.js'
import type { Config } from '../config.js'
import type { FieldProblem } from '../errors.js'
import { DEFAULT_ID_TOKEN_ALG } from './client-view.js'
import { redirectUriProblem } from './redirect-uris.js'

/** What a registration may say, once defaults are applied (the fields of the contract, camelCased). */
export interface ClientSettings {
  name: string
  confidential: boolean
  firstParty: boolean
  grantTypes: string[]
  scopes: string[]
  redirectUris: string[]
  postLogoutRedirectUris: string[]
  idTokenSignedResponseAlg: string | null
}

export const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const
export const DEFAULT_GRANT_TYPES = ['authorization_code', 'refresh_token']
export { OIDC_SCOPES }
export const DEFAULT_CLIENT_SCOPES = [...OIDC_SCOPES, 'user']

const MAX_NAME = 100
// Control characters (C0, DEL, C1) have no place in a name shown on a consent page.
// Controls (Cc) and format characters (Cf: bidirectional overrides, zero-width joiners), which could
// make a name on the consent page read as another client's.
const CONTROL = /[\p{Cc}\p{Cf}]/u

type Problems = FieldProblem[]
const problem = (out: Problems, loc: (string | number)[], msg: string) => out.push({ loc: ['body', ...loc], msg, type: 'value_error' })

/** Every scope a client may be allowed: the OpenID ones and every scope some role grants. */
export function knownScopes(config: Pick<Config, 'roleScopes'>): Set<string> {
  return new Set([...OIDC_SCOPES, ...Object.values(config.roleScopes).flat()])
}

/** The ID token algorithms a client may register: RS256, and the access tokens' algorithm when it is asymmetric. */
export function idTokenAlgs(config: Pick<Config, 'jwtAlg'>): string[] {
  return [...new Set([DEFAULT_ID_TOKEN_ALG, ...(config.jwtAlg === 'HS256' ? [] : [config.jwtAlg])])]
}

const unique = (l: readonly string[]) => [...new Set(l)]

function checkUris(out: Problems, field: string, uris: readonly string[]): void {
  uris.forEach((u, i) => {
    const why = redirectUriProblem(u)
    if (why) problem(out, [field, i], `Redirect URI ${why}`)
  })
}

/**
 * Every problem with a client's settings, all at once (as pydantic reports them), for a new
 * client or for one after a patch. `fields` names the fields a patch sent: the combination (grant
 * types against the client's type and its redirect URIs) is always checked, but values it left
 * alone are not judged again (a scope whose role ROLE_SCOPES has since dropped does not block a rename).
 */
export function clientProblems(s: ClientSettings, config: Pick<Config, 'roleScopes' | 'jwtAlg'>, fields?: ReadonlySet<string>): Problems {
  const out: Problems = []
  const sent = (f: string) => fields === undefined || fields.has(f)
  const name = s.name.trim()
  if (sent('name') && (name.length === 0 || name.length > MAX_NAME || CONTROL.test(name))) {
    problem(out, ['name'], `Name must be 1 to ${MAX_NAME} characters, without control or format characters`)
  }
  if (sent('redirect_uris')) checkUris(out, 'redirect_uris', s.redirectUris)
  if (sent('post_logout_redirect_uris')) checkUris(out, 'post_logout_redirect_uris', s.postLogoutRedirectUris)
  const grants = new Set(s.grantTypes)
  const unknownGrants = s.grantTypes.filter((g) => !(GRANT_TYPES as readonly string[]).includes(g))
  if (unknownGrants.length > 0) problem(out, ['grant_types'], `Unknown grant type: ${unknownGrants.join(', ')} (allowed: ${GRANT_TYPES.join(', ')})`)
  else if (grants.size === 0) problem(out, ['grant_types'], 'Give at least one grant type')
  if (grants.has('client_credentials') && !s.confidential) problem(out, ['grant_types'], 'client_credentials is for confidential clients only')
  if (grants.has('refresh_token') && !grants.has('authorization_code')) problem(out, ['grant_types'], 'refresh_token needs authorization_code')
  if (grants.has('authorization_code') && s.redirectUris.length === 0) problem(out, ['redirect_uris'], 'authorization_code needs at least one redirect URI')
  const known = knownScopes(config)
  const unknownScopes = sent('scopes') ? s.scopes.filter((sc) => !known.has(sc)) : []
  if (unknownScopes.length > 0) problem(out, ['scopes'], `Unknown scope: ${unknownScopes.join(', ')} (known: ${[...known].join(', ')})`)
  const algs = idTokenAlgs(config)
  if (sent('id_token_signed_response_alg') && s.idTokenSignedResponseAlg !== null && !algs.includes(s.idTokenSignedResponseAlg)) {
    problem(out, ['id_token_signed_response_alg'], `Must be one of ${algs.join(', ')}`)
  }
  return out
}

/** The settings as stored: names trimmed, lists without repeats. */
export const normalizeSettings = (s: ClientSettings): ClientSettings => ({
  ...s,
  name: s.name.trim(),
  grantTypes: unique(s.grantTypes),
  scopes: unique(s.scopes),
  redirectUris: unique(s.redirectUris),
  postLogoutRedirectUris: unique(s.postLogoutRedirectUris),
})
