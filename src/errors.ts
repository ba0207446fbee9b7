/** OAuth 2.0 error codes (RFC 6749 §5.2, RFC 6750 §3.1) that Gatehouse sends. */
export type OAuthErrorCode = 'invalid_request' | 'invalid_grant' | 'invalid_scope' | 'unsupported_grant_type' | 'invalid_token' | 'insufficient_scope'

/** One entry of a FastAPI-shaped 422 body. */
export interface ValidationIssue {
  loc: (string | number)[]
  msg: string
  type: string
}

/**
 * The one error type that reaches clients. Its status, headers and `{"detail": ...}` body are
 * sent as they are; everything else thrown becomes a 500 with its text hidden.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string | ValidationIssue[],
    readonly opts: { error?: OAuthErrorCode; headers?: Record<string, string> } = {},
  ) {
    super(typeof detail === 'string' ? detail : 'Validation error')
    this.name = 'HttpError'
  }

  body(): { detail: string | ValidationIssue[]; error?: OAuthErrorCode } {
    return this.opts.error ? { detail: this.detail, error: this.opts.error } : { detail: this.detail }
  }
}

// Every message a client can see is written once, here.

export const invalidCredentials = () => new HttpError(401, 'Invalid credentials', { error: 'invalid_grant', headers: { 'www-authenticate': 'Bearer' } })
export const inactiveUser = () => new HttpError(400, 'Inactive user', { error: 'invalid_grant' })
export const invalidRefreshToken = () => new HttpError(400, 'Invalid or expired refresh token', { error: 'invalid_grant' })
export const unsupportedGrantType = () => new HttpError(400, 'Unsupported grant type', { error: 'unsupported_grant_type' })
export const invalidScope = (scope: string) => new HttpError(400, `Scope not allowed: ${scope}`, { error: 'invalid_scope' })

// RFC 6750 §3: no credentials → a bare challenge; bad credentials → error="invalid_token".
export const notAuthenticated = () => new HttpError(401, 'Not authenticated', { headers: { 'www-authenticate': 'Bearer' } })
export const couldNotValidate = () =>
  new HttpError(401, 'Could not validate credentials', {
    headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
  })
// RFC 6750 §3.1: the scope the route needs goes in the challenge.
export const insufficientScope = (scopes: string[]) =>
  new HttpError(403, 'Not enough permissions', {
    error: 'insufficient_scope',
    headers: { 'www-authenticate': `Bearer error="insufficient_scope", scope="${scopes.join(' ')}"` },
  })

export const usernameTaken = () => new HttpError(400, 'Username already registered')
export const emailTaken = () => new HttpError(400, 'Email already registered')
export const emailNotVerified = () => new HttpError(403, 'Email not verified')
export const registrationClosed = () => new HttpError(403, 'Registration is closed')
export const wrongPassword = () => new HttpError(403, 'Invalid password')
export const notFound = () => new HttpError(404, 'Not Found')
export const cannotChangeOwnAccess = () => new HttpError(400, 'Admins cannot disable, delete or remove admin from their own account')
export const keyRotationUnsupported = () => new HttpError(400, 'Keys cannot be rotated with JWT_ALG=HS256: change JWT_SECRET instead')
export const methodNotAllowed = () => new HttpError(405, 'Method Not Allowed')
export const serverBusy = () => new HttpError(503, 'Server busy; retry shortly', { headers: { 'retry-after': '1' } })
// The database did not answer in time: nothing was acknowledged, so the client may retry.
export const storageUnavailable = () => new HttpError(503, 'Storage unavailable; retry shortly', { headers: { 'retry-after': '1' } })
export const nulNotAllowed = () => new HttpError(400, 'Bad Request: text must not contain NUL characters')
export const clientGone = () => new HttpError(503, 'Client closed the request')
export const tooManyRequests = (retryAfterSeconds: number) => new HttpError(429, 'Too many requests', { headers: { 'retry-after': String(retryAfterSeconds) } })

/** A 422 for one field, in FastAPI's shape (`type` as pydantic names it). */
export const invalidField = (loc: (string | number)[], msg: string, type = 'value_error') => new HttpError(422, [{ loc, msg, type }])
