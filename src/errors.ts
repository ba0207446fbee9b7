/**
 * Domain errors: what went wrong, as a stable code, with no HTTP in it. Services throw these;
 * each edge translates them: `http/http-errors.ts` to a status and a `{"detail"}` body, the CLI to
 * an exit code, the account pages to a message beside a field. Tests match the code.
 */

/** One problem with one input field, in FastAPI's 422 shape (`loc` names the field). */
export interface FieldProblem {
  loc: (string | number)[]
  msg: string
  type: string
}
/** @deprecated the old name of FieldProblem. */
export type ValidationIssue = FieldProblem

/** Facts an error carries beyond its code (never a secret, except `mfaToken`, which is the caller's own). */
export interface ErrorInfo {
  /** invalid_fields: every problem found, not just the first. */
  problems?: FieldProblem[]
  /** too_many_requests: when to come back. */
  retryAfterSeconds?: number
  /** invalid_scope: what was asked for; insufficient_scope: what the route needs. */
  scopes?: string[]
  /** mfa_required after the right password: the challenge that the second step presents. */
  mfaToken?: string
  /** passkey_limit: how many an account may have. */
  limit?: number
  /** invalid_request: which parameter is wrong, and how. */
  description?: string
}

// Every message a person or client can see is written once, here, whatever the edge.
const MESSAGES = {
  invalid_credentials: 'Invalid credentials',
  inactive_user: 'Inactive user',
  invalid_refresh_token: 'Invalid or expired refresh token',
  unsupported_grant_type: 'Unsupported grant type',
  invalid_scope: (i: ErrorInfo) => `Scope not allowed: ${(i.scopes ?? []).join(' ')}`,
  not_authenticated: 'Not authenticated',
  invalid_token: 'Could not validate credentials',
  insufficient_scope: 'Not enough permissions',
  insufficient_authentication: 'A second factor is required for this action: sign in with it first',
  username_taken: 'Username already registered',
  email_taken: 'Email already registered',
  email_not_verified: 'Email not verified',
  registration_closed: 'Registration is closed',
  wrong_password: 'Invalid password',
  not_found: 'Not Found',
  cannot_change_own_access: 'Admins cannot disable, delete or remove admin from their own account',
  last_admin: 'The last admin cannot delete their own account',
  key_rotation_unsupported:
    'The access-token key of JWT_ALG=HS256 is JWT_SECRET: change JWT_SECRET to rotate it; rotate the ID-token key with {"alg": "RS256"}',
  key_revocation_unsupported: 'The HS256 key is JWT_SECRET and cannot be revoked: change JWT_SECRET instead',
  key_alg_not_in_use: 'No key ring signs with that algorithm: rotate JWT_ALG (access tokens) or RS256 (ID tokens)',
  method_not_allowed: 'Method Not Allowed',
  server_busy: 'Server busy; retry shortly',
  storage_unavailable: 'Storage unavailable; retry shortly',
  keys_unavailable: 'Signing keys unavailable; retry shortly',
  nul_not_allowed: 'Bad Request: text must not contain NUL characters',
  client_gone: 'Client closed the request',
  too_many_requests: 'Too many requests',
  invalid_fields: 'Validation error',
  invalid_mail_token: 'Invalid or expired token',
  nothing_to_verify: 'No email address to verify',
  mfa_required: 'A second factor is required: send otp or recovery_code',
  invalid_otp: 'Invalid code',
  wrong_otp: 'Invalid code',
  invalid_confirmation_code: 'Invalid code: check the time on your device and enter the code it shows now',
  invalid_mfa_token: 'Invalid or expired mfa_token',
  mfa_already_enabled: 'Two-factor authentication is already on: turn it off first',
  mfa_not_enabled: 'Two-factor authentication is not on',
  mfa_not_pending: 'Start the enrolment first (POST /users/me/mfa/totp)',
  csrf_failed: 'This form expired or did not come from this site: reload the page and try again',
  passkeys_unavailable: 'Passkeys are not available on this server: it needs WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS, or a PUBLIC_URL with a host name',
  passkey_invalid: 'Invalid passkey',
  passkey_registration_invalid: 'The passkey could not be verified: ask for new options (POST /users/me/passkeys/options) and try again',
  passkey_already_registered: 'This passkey is already registered',
  passkey_limit: (i: ErrorInfo) => `At most ${i.limit ?? 0} passkeys per account: remove one first`,
  passkey_last_way_in: 'This passkey is your only way to sign in: add another way first',
  passkey_user_verification_required:
    'This account has two-factor authentication on: use a passkey that verifies you (PIN or biometrics), or your password and code',
  passkey_not_discoverable: 'This authenticator cannot keep a passkey that signs in without a username; use another one',
  invalid_client: 'Client authentication failed',
  public_client: 'A public client has no secret',
  reauthentication_required: 'Confirm it is you: send your password (and a code when two-factor authentication is on) to add a passkey',
  invalid_request: (i: ErrorInfo) => i.description ?? 'Invalid request',
  invalid_authorization_code:
    'Invalid, expired or already used authorization code, or it was issued to another client or redirect_uri, or the code_verifier does not match',
  unauthorized_client: 'This client is not allowed this grant type',
  unknown_client: 'Unknown client: check client_id',
  unregistered_redirect_uri: 'The redirect_uri is missing or is not registered for this client',
} as const satisfies Record<string, string | ((i: ErrorInfo) => string)>

export type ErrorCode = keyof typeof MESSAGES

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly info: ErrorInfo = {},
  ) {
    super(messageFor(code, info))
    this.name = 'DomainError'
  }
}

export function messageFor(code: ErrorCode, info: ErrorInfo = {}): string {
  const m: string | ((i: ErrorInfo) => string) = MESSAGES[code]
  return typeof m === 'function' ? m(info) : m
}

/** Problems gathered from several checks (every field is reported, as pydantic does). */
export function problemsOf(err: unknown): FieldProblem[] | null {
  return err instanceof DomainError && err.code === 'invalid_fields' ? (err.info.problems ?? []) : null
}

// Named factories, so call sites read as sentences and a typo is a compile error.
const e = (code: ErrorCode) => (): DomainError => new DomainError(code)
export const invalidCredentials = e('invalid_credentials')
export const inactiveUser = e('inactive_user')
export const invalidRefreshToken = e('invalid_refresh_token')
export const unsupportedGrantType = e('unsupported_grant_type')
export const invalidScope = (scope: string) => new DomainError('invalid_scope', { scopes: [scope] })
export const notAuthenticated = e('not_authenticated')
export const couldNotValidate = e('invalid_token')
export const insufficientScope = (scopes: string[]) => new DomainError('insufficient_scope', { scopes })
export const insufficientAuthentication = e('insufficient_authentication')
export const usernameTaken = e('username_taken')
export const emailTaken = e('email_taken')
export const emailNotVerified = e('email_not_verified')
export const registrationClosed = e('registration_closed')
export const wrongPassword = e('wrong_password')
export const notFound = e('not_found')
export const cannotChangeOwnAccess = e('cannot_change_own_access')
export const lastAdminCannotDelete = e('last_admin')
export const keyRotationUnsupported = e('key_rotation_unsupported')
export const keyRevocationUnsupported = e('key_revocation_unsupported')
export const keyAlgNotInUse = e('key_alg_not_in_use')
export const methodNotAllowed = e('method_not_allowed')
export const serverBusy = e('server_busy')
// The database did not answer in time: nothing was acknowledged, so the client may retry.
export const storageUnavailable = e('storage_unavailable')
/** A remote verifier could not fetch Gatehouse's JWKS: Gatehouse's outage, not the client's token. */
export const keysUnavailable = e('keys_unavailable')
export const nulNotAllowed = e('nul_not_allowed')
export const clientGone = e('client_gone')
export const tooManyRequests = (retryAfterSeconds: number) => new DomainError('too_many_requests', { retryAfterSeconds })
export const invalidMailToken = e('invalid_mail_token')
export const nothingToVerify = e('nothing_to_verify')
export const mfaRequired = (mfaToken?: string) => new DomainError('mfa_required', mfaToken ? { mfaToken } : {})
export const invalidOtp = e('invalid_otp')
export const wrongOtp = e('wrong_otp')
export const invalidConfirmationCode = e('invalid_confirmation_code')
export const invalidMfaToken = e('invalid_mfa_token')
export const mfaAlreadyEnabled = e('mfa_already_enabled')
export const mfaNotEnabled = e('mfa_not_enabled')
export const mfaNotPending = e('mfa_not_pending')
/** A page's form without its CSRF token, with a wrong one, or posted from another origin. */
export const csrfFailed = e('csrf_failed')
export const passkeysUnavailable = e('passkeys_unavailable')
/** A sign-in assertion that does not verify, for whatever reason (the reason goes to the audit log, never to the client). */
export const passkeyInvalid = e('passkey_invalid')
export const passkeyRegistrationInvalid = e('passkey_registration_invalid')
export const passkeyAlreadyRegistered = e('passkey_already_registered')
export const passkeyLimit = (limit: number) => new DomainError('passkey_limit', { limit })
export const passkeyUserVerificationRequired = e('passkey_user_verification_required')
export const passkeyLastWayIn = e('passkey_last_way_in')
/** A registration whose authenticator reported (credProps) a credential that is not discoverable: sign-in could never offer it. */
export const passkeyNotDiscoverable = e('passkey_not_discoverable')
/** Adding a passkey on a session that is not fresh (or not two-factor while TOTP is on) without the password. */
export const reauthenticationRequired = e('reauthentication_required')

/** A client that is unknown, or whose secret is wrong or missing (RFC 6749 §5.2): one answer for all, so ids cannot be probed. */
export const invalidClient = e('invalid_client')
export const publicClient = e('public_client')
/** A malformed OAuth request (RFC 6749 §5.2 invalid_request): `description` names the parameter. */
export const invalidRequest = (description: string) => new DomainError('invalid_request', { description })
/** Every refusal of an authorization code at the token endpoint (RFC 6749 §5.2 invalid_grant): one answer, whatever was wrong. */
export const invalidAuthorizationCode = e('invalid_authorization_code')
export const unauthorizedClient = e('unauthorized_client')
/** /authorize errors that must not redirect (RFC 6749 §4.1.2.1): the redirect target itself is in doubt. */
export const unknownClient = e('unknown_client')
export const unregisteredRedirectUri = e('unregistered_redirect_uri')

/**
 * /authorize errors that go back to the client on its redirect_uri (RFC 6749 §4.1.2.1, OpenID
 * Connect Core §3.1.2.6): the `error` code with its `error_description`.
 */
export const AUTHORIZE_ERRORS = {
  invalid_request: 'The request is missing a required parameter, repeats one, or has an invalid value',
  unsupported_response_type: 'Only response_type=code is supported',
  unauthorized_client: 'This client may not use the authorization code flow',
  invalid_scope: 'A requested scope is unknown or not allowed for this client',
  login_required: 'The person is not signed in (prompt=none)',
  consent_required: 'The person has not consented to this client and scopes (prompt=none)',
  access_denied: 'The person declined',
  request_not_supported: 'The request parameter is not supported',
  request_uri_not_supported: 'The request_uri parameter is not supported',
  server_error: 'The server could not complete the request',
  temporarily_unavailable: 'The server is busy; try again shortly',
} as const
export type AuthorizeErrorCode = keyof typeof AUTHORIZE_ERRORS

/** Invalid input, one problem or several. */
export const invalidFields = (problems: FieldProblem[]) => new DomainError('invalid_fields', { problems })
/** A 422 for one field, in FastAPI's shape (`type` as pydantic names it). */
export const invalidField = (loc: (string | number)[], msg: string, type = 'value_error') => invalidFields([{ loc, msg, type }])
