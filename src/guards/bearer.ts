// RFC 6750 §2.1: "Bearer" (any case), one or more spaces, a b64token. Nothing else counts as
// credentials, and tokens in the query string or body are never read (RFC 6750 §2.3, RFC 9700 §4.3.2).
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i
const SCHEME = /^bearer /i

/**
 * The token of an `Authorization` header: `null` without bearer credentials (a bare 401
 * challenge), `''` for a bearer header that is malformed (401 invalid_token).
 */
export function bearerToken(header: string | undefined | null): string | null {
  if (typeof header !== 'string' || !SCHEME.test(header)) return null
  return BEARER.exec(header)?.[1] ?? ''
}
