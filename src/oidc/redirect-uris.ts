/**
 * Redirect URIs (RFC 9700 §4.1.3, RFC 8252): registered URIs are compared with presented ones as
 * exact strings, with one exception: an `http` URI on a loopback host matches at any port (RFC 8252
 * §7.3: a native app binds whatever port is free). Pure functions: no I/O, no configuration.
 */

/**
 * The loopback hosts of the contract. RFC 8252 §8.3 calls `localhost` NOT RECOMMENDED (a hosts
 * file or DNS may resolve it elsewhere); the contract allows it, so it is accepted and gets the
 * port rule too. Host names compare as written (lower case only): `LOCALHOST` is not one of them.
 */
export const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', '[::1]', 'localhost']

// The raw shape of a loopback URI: host exactly, an optional port, then the path and query (kept as written).
const LOOPBACK = /^http:\/\/(127\.0\.0\.1|\[::1\]|localhost)(?::([0-9]{1,5}))?([/?][^#]*)?$/

function splitLoopback(uri: string): { host: string; port: string | undefined; rest: string } | null {
  const m = LOOPBACK.exec(uri)
  if (!m) return null
  const port = m[2]
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return null
  // `http://127.0.0.1` and `http://127.0.0.1/` are the same resource: an empty path is `/`.
  return { host: m[1]!, port, rest: m[3] ?? '/' }
}

/** Whether the presented `redirect_uri` matches the registered one. */
export function redirectUriMatches(registered: string, presented: string): boolean {
  if (registered === presented) return true
  const r = splitLoopback(registered)
  if (!r) return false
  const p = splitLoopback(presented)
  return p !== null && p.host === r.host && p.rest === r.rest
}

/** Whether any registered URI matches (what `/authorize` asks). */
export const anyRedirectUriMatches = (registered: readonly string[], presented: string): boolean => registered.some((r) => redirectUriMatches(r, presented))

export const MAX_REDIRECT_URI_LENGTH = 2000

// RFC 3986 §3.1 scheme; a private-use one must contain a dot (RFC 8252 §7.1: a reverse domain name under the app's control).
const SCHEME = /^([a-z][a-z0-9+.-]*):/
// Anything that is not a visible ASCII character (spaces, controls, non-ASCII: send them percent-encoded).
const NOT_VISIBLE_ASCII = /[^\x21-\x7e]/

/**
 * Why `uri` cannot be registered, or null when it can: an absolute `https` URI; `http` only on a
 * loopback host; or a private-use scheme of a native app (`com.example.app:/callback`). Never a
 * fragment (RFC 6749 §3.1.2), a wildcard, user info, or a scheme that runs or embeds content.
 */
export function redirectUriProblem(uri: string): string | null {
  if (uri.length === 0 || uri.length > MAX_REDIRECT_URI_LENGTH) return `must be 1 to ${MAX_REDIRECT_URI_LENGTH} characters`
  if (NOT_VISIBLE_ASCII.test(uri)) return 'must be ASCII without spaces or control characters (percent-encode the rest)'
  if (uri.includes('#')) return 'must not contain a fragment (#)'
  if (uri.includes('*')) return 'must not contain a wildcard (*): redirect URIs are compared exactly'
  const scheme = SCHEME.exec(uri)?.[1]
  if (!scheme) return 'must be an absolute URI with a lower-case scheme'
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    return 'must be a valid absolute URI'
  }
  if (url.username !== '' || url.password !== '') return 'must not contain user information'
  if (scheme === 'https') {
    if (url.hostname === '') return 'must name a host'
    // Exact comparison needs one spelling: the one the URL parser would send back.
    if (url.href !== uri && `${url.href}` !== `${uri}/`) return `must be written in its normal form (${url.href})`
    return null
  }
  if (scheme === 'http') {
    if (!splitLoopback(uri)) return `http is allowed only on a loopback host (${LOOPBACK_HOSTS.join(', ')}); use https`
    return null
  }
  if (!scheme.includes('.')) return 'must be https, http on a loopback host, or a private-use scheme with a dot (com.example.app:/callback)'
  return null
}
