import { createHmac, timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'

/**
 * CSRF defence for every state-changing form (OWASP CSRF Prevention Cheat Sheet):
 * 1. an Origin check: a browser names the page a POST came from; a foreign origin, or `null`
 *    (a sandboxed frame, a redirect chain, a no-referrer page) is refused. Sec-Fetch-Site is the
 *    fallback where Origin is missing.
 * 2. a token in a hidden field, derived (HMAC) from a secret the browser holds in an HttpOnly
 *    cookie: the session's secret once signed in (so the token is bound to that session), else
 *    the CSRF cookie's. A cross-site page can neither read the cookie nor compute the token.
 */
export function csrfToken(secret: string): string {
  return createHmac('sha256', secret).update('gatehouse csrf v1').digest('base64url')
}

/** True when `presented` is the token of one of the secrets (constant time per comparison). */
export function csrfMatches(presented: unknown, secrets: readonly (string | undefined)[]): boolean {
  if (typeof presented !== 'string' || presented.length !== 43) return false
  const given = Buffer.from(presented)
  let ok = false
  for (const secret of secrets) {
    if (!secret) continue
    // Every secret is compared (no early exit): the time does not say which one matched.
    if (timingSafeEqual(given, Buffer.from(csrfToken(secret)))) ok = true
  }
  return ok
}

/**
 * The request comes from one of our own pages: its Origin is the public origin or the origin the
 * request itself was made to (a browser sets both Origin and Host; a cross-site page controls neither).
 */
export function sameOrigin(request: FastifyRequest, publicOrigin: string): boolean {
  const origin = request.headers.origin
  if (typeof origin === 'string') {
    if (origin === 'null') return false
    return origin === publicOrigin || origin === `${request.protocol}://${request.host}`
  }
  // No Origin (older browsers on same-origin GET-like navigations, or not a browser at all):
  // a browser that says the request is cross-site is refused.
  const site = request.headers['sec-fetch-site']
  return site === undefined || site === 'same-origin' || site === 'none'
}
