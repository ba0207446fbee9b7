import { DomainError, type ErrorCode, type ErrorInfo, type FieldProblem } from '../errors.js'

/** OAuth 2.0 error codes (RFC 6749 §5.2, RFC 6750 §3.1) that Gatehouse sends, plus its own `mfa_required`. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_grant'
  | 'invalid_client'
  | 'invalid_scope'
  | 'unsupported_grant_type'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'mfa_required'
  | 'invalid_request'
  | 'unauthorized_client'

/**
 * An error raised by the HTTP layer itself (a body it cannot parse): sent as it is. Services
 * throw DomainError instead, which `toHttp` maps.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string | FieldProblem[],
    readonly opts: { error?: OAuthErrorCode; headers?: Record<string, string>; extra?: Record<string, string> } = {},
  ) {
    super(typeof detail === 'string' ? detail : 'Validation error')
    this.name = 'HttpError'
  }

  body(): Record<string, unknown> {
    const b: Record<string, unknown> = { detail: this.detail }
    if (this.opts.error) b.error = this.opts.error
    return { ...b, ...this.opts.extra }
  }
}

type Mapping = { status: number; error?: OAuthErrorCode; headers?: (i: ErrorInfo) => Record<string, string> }

const retryAfter1 = () => ({ 'retry-after': '1' })

/** Each domain code's status, OAuth `error` and headers: the HTTP half of errors.ts. */
const HTTP: Record<ErrorCode, Mapping> = {
  invalid_credentials: { status: 401, error: 'invalid_grant', headers: () => ({ 'www-authenticate': 'Bearer' }) },
  inactive_user: { status: 400, error: 'invalid_grant' },
  invalid_refresh_token: { status: 400, error: 'invalid_grant' },
  unsupported_grant_type: { status: 400, error: 'unsupported_grant_type' },
  invalid_scope: { status: 400, error: 'invalid_scope' },
  // RFC 6750 §3: no credentials -> a bare challenge; bad credentials -> error="invalid_token".
  not_authenticated: { status: 401, headers: () => ({ 'www-authenticate': 'Bearer' }) },
  invalid_token: { status: 401, headers: () => ({ 'www-authenticate': 'Bearer error="invalid_token"' }) },
  // RFC 6750 §3.1: the scope the route needs goes in the challenge.
  insufficient_scope: {
    status: 403,
    error: 'insufficient_scope',
    headers: (i) => ({ 'www-authenticate': `Bearer error="insufficient_scope", scope="${(i.scopes ?? []).join(' ')}"` }),
  },
  // RFC 9470 (step-up): the token's authentication is not strong enough for this route.
  insufficient_authentication: {
    status: 401,
    headers: () => ({ 'www-authenticate': 'Bearer error="insufficient_user_authentication", error_description="A second factor is required"' }),
  },
  username_taken: { status: 400 },
  email_taken: { status: 400 },
  email_not_verified: { status: 403 },
  registration_closed: { status: 403 },
  wrong_password: { status: 403 },
  not_found: { status: 404 },
  cannot_change_own_access: { status: 400 },
  last_admin: { status: 400 },
  key_rotation_unsupported: { status: 400 },
  key_revocation_unsupported: { status: 400 },
  key_alg_not_in_use: { status: 400 },
  method_not_allowed: { status: 405 },
  server_busy: { status: 503, headers: retryAfter1 },
  storage_unavailable: { status: 503, headers: retryAfter1 },
  keys_unavailable: { status: 503, headers: retryAfter1 },
  nul_not_allowed: { status: 400 },
  client_gone: { status: 503 },
  too_many_requests: { status: 429, headers: (i) => ({ 'retry-after': String(i.retryAfterSeconds ?? 1) }) },
  invalid_fields: { status: 422 },
  invalid_mail_token: { status: 400 },
  nothing_to_verify: { status: 400 },
  mfa_required: { status: 403, error: 'mfa_required' },
  invalid_otp: { status: 401, error: 'invalid_grant' },
  wrong_otp: { status: 403 },
  invalid_confirmation_code: { status: 400 },
  invalid_mfa_token: { status: 400, error: 'invalid_grant' },
  mfa_already_enabled: { status: 400 },
  mfa_not_enabled: { status: 400 },
  mfa_not_pending: { status: 400 },
  csrf_failed: { status: 403 },
  passkeys_unavailable: { status: 404 },
  // A sign-in assertion at /token: the same shape as the other grants' refusals.
  passkey_invalid: { status: 401, error: 'invalid_grant' },
  passkey_registration_invalid: { status: 400 },
  passkey_already_registered: { status: 400 },
  passkey_limit: { status: 400 },
  passkey_last_way_in: { status: 400 },
  // After a valid assertion only, as inactive_user is after the right password.
  passkey_user_verification_required: { status: 400, error: 'invalid_grant' },
  passkey_not_discoverable: { status: 400 },
  // RFC 6749 §5.2: 401 with a challenge for the scheme the token endpoint takes (client_secret_basic).
  invalid_client: { status: 401, error: 'invalid_client', headers: () => ({ 'www-authenticate': 'Basic realm="gatehouse"' }) },
  public_client: { status: 400 },
  // As wrong_password and mfa_required are on the other re-authenticating routes.
  reauthentication_required: { status: 403 },
  invalid_request: { status: 400, error: 'invalid_request' },
  invalid_authorization_code: { status: 400, error: 'invalid_grant' },
  unauthorized_client: { status: 400, error: 'unauthorized_client' },
  unknown_client: { status: 400 },
  unregistered_redirect_uri: { status: 400 },
}

/** The HTTP form of a domain error. */
export function toHttp(err: DomainError): HttpError {
  const m = HTTP[err.code]
  const detail = err.code === 'invalid_fields' ? (err.info.problems ?? []) : err.message
  const opts: HttpError['opts'] = {}
  if (m.error) opts.error = m.error
  if (m.headers) opts.headers = m.headers(err.info)
  if (err.info.mfaToken) opts.extra = { mfa_token: err.info.mfaToken }
  return new HttpError(m.status, detail, opts)
}

/** The status a code maps to (for the CLI's and pages' "is this the caller's fault" questions). */
export const statusOf = (code: ErrorCode): number => HTTP[code].status

export { DomainError }
