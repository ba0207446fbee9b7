import { parseScope } from '../accounts/scopes.js'
import type { Deps } from '../deps/types.js'
import { type AuthorizeErrorCode, type DomainError, unknownClient, unregisteredRedirectUri } from '../errors.js'
import type { Client } from '../store/store.js'
import { isS256Challenge } from './pkce.js'
import { anyRedirectUriMatches, MAX_REDIRECT_URI_LENGTH } from './redirect-uris.js'

/** An authorization request that passed every check (RFC 6749 §4.1.1, RFC 7636, OpenID Connect Core §3.1.2.1). */
export interface AuthorizeRequest {
  client: Client
  /** As presented (a loopback URI's port may differ from the registered one): the code is bound to it. */
  redirectUri: string
  state: string | undefined
  nonce: string | undefined
  /** What was asked for (all allowed for the client); what the person holds is decided later. */
  scopes: string[]
  codeChallenge: string
  prompt: ReadonlySet<string>
  /** Seconds, or null. */
  maxAge: number | null
  loginHint: string | undefined
  /** The parameters as received (single values), to carry through the login and consent steps. */
  params: Readonly<Record<string, string>>
}

export type ParsedAuthorize =
  /** Unknown client or redirect URI: shown to the person, never sent anywhere (RFC 6749 §4.1.2.1). */
  | { kind: 'fatal'; error: DomainError }
  | { kind: 'error'; redirectUri: string; state: string | undefined; error: AuthorizeErrorCode; description?: string }
  | { kind: 'ok'; request: AuthorizeRequest }

/** Parameters Gatehouse reads, with the longest value it takes (anything longer is invalid_request). */
const LIMITS: Readonly<Record<string, number>> = {
  response_type: 64,
  client_id: 256,
  redirect_uri: MAX_REDIRECT_URI_LENGTH,
  scope: 1024,
  state: 512,
  nonce: 512,
  code_challenge: 128,
  code_challenge_method: 16,
  prompt: 64,
  max_age: 10,
  login_hint: 256,
  response_mode: 32,
}
const PROMPTS = new Set(['none', 'login', 'consent', 'select_account'])

/**
 * Reads an authorization request from the query (GET) or the form (POST). `raw` values may be
 * arrays (a repeated parameter): RFC 6749 §3.1 says parameters MUST NOT repeat. The client and
 * redirect URI are checked first, since only once both are known may an error be redirected.
 */
export async function parseAuthorizeRequest(deps: Pick<Deps, 'store'>, raw: Readonly<Record<string, unknown>>): Promise<ParsedAuthorize> {
  const clientId = raw.client_id
  const redirectUri = raw.redirect_uri
  if (typeof clientId !== 'string' || clientId === '' || clientId.length > LIMITS.client_id! || clientId.includes('\0')) {
    return { kind: 'fatal', error: unknownClient() }
  }
  const client = await deps.store.findClient(clientId)
  if (!client) return { kind: 'fatal', error: unknownClient() }
  // OpenID Connect Core §3.1.2.1 requires redirect_uri; exact match (RFC 9700 §4.1.3).
  if (typeof redirectUri !== 'string' || redirectUri.length > MAX_REDIRECT_URI_LENGTH || !anyRedirectUriMatches(client.redirectUris, redirectUri)) {
    return { kind: 'fatal', error: unregisteredRedirectUri() }
  }
  const state = typeof raw.state === 'string' && raw.state.length <= LIMITS.state! ? raw.state : undefined
  const fail = (error: AuthorizeErrorCode, description?: string): ParsedAuthorize => ({
    kind: 'error',
    redirectUri,
    state,
    error,
    ...(description ? { description } : {}),
  })

  // OpenID Connect Core §6: request objects are optional, and Gatehouse does not take them.
  if (raw.request !== undefined) return fail('request_not_supported')
  if (raw.request_uri !== undefined) return fail('request_uri_not_supported')
  const params: Record<string, string> = {}
  for (const [name, value] of Object.entries(raw)) {
    if (!Object.hasOwn(LIMITS, name)) continue // RFC 6749 §3.1: unknown parameters are ignored
    if (typeof value !== 'string') return fail('invalid_request', `${name} is repeated`)
    if (value.length > LIMITS[name]! || value.includes('\0')) return fail('invalid_request', `${name} is too long or invalid`)
    params[name] = value
  }
  if (params.response_type === undefined) return fail('invalid_request', 'response_type is required')
  if (params.response_type !== 'code') return fail('unsupported_response_type')
  if (params.response_mode !== undefined && params.response_mode !== 'query') return fail('invalid_request', 'only response_mode=query is supported')
  if (!client.grantTypes.includes('authorization_code')) return fail('unauthorized_client')
  // PKCE for every client (RFC 9700 §2.1.1), S256 only: a missing method means plain (RFC 7636 §4.3).
  if (params.code_challenge === undefined) return fail('invalid_request', 'code_challenge is required (PKCE)')
  if (params.code_challenge_method !== 'S256') return fail('invalid_request', 'code_challenge_method must be S256')
  if (!isS256Challenge(params.code_challenge)) return fail('invalid_request', 'code_challenge is not an S256 challenge')

  const scopes = parseScope(params.scope)
  if (!scopes || scopes.length === 0) return fail('invalid_scope', 'scope is required')
  if (!scopes.every((s) => client.scopes.includes(s))) return fail('invalid_scope')

  const prompt = new Set((params.prompt ?? '').split(' ').filter((p) => p !== ''))
  if (![...prompt].every((p) => PROMPTS.has(p))) return fail('invalid_request', 'unknown prompt value')
  if (prompt.has('none') && prompt.size > 1) return fail('invalid_request', 'prompt=none cannot be combined with other values')
  let maxAge: number | null = null
  if (params.max_age !== undefined) {
    if (!/^[0-9]{1,9}$/.test(params.max_age)) return fail('invalid_request', 'max_age must be a number of seconds')
    maxAge = Number(params.max_age)
  }
  return {
    kind: 'ok',
    request: {
      client,
      redirectUri,
      state,
      nonce: params.nonce,
      scopes,
      codeChallenge: params.code_challenge,
      prompt,
      maxAge,
      loginHint: params.login_hint,
      params,
    },
  }
}

/**
 * Where an authorization response goes: the redirect URI with `params` added to its query (kept
 * as registered otherwise), and `iss` (RFC 9207), so a client talking to several servers can tell
 * which one answered (mix-up, RFC 9700 §4.4).
 */
export function authorizationResponseUrl(redirectUri: string, issuer: string, params: Readonly<Record<string, string | undefined>>): string {
  const url = new URL(redirectUri)
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.append(k, v)
  url.searchParams.append('iss', issuer)
  return url.toString()
}
