import { parse } from 'cookie'
import type { FastifyReply, FastifyRequest } from 'fastify'

/**
 * What the browser holds, all HttpOnly (no script reads them) and SameSite=Lax (a cross-site
 * POST carries none of them):
 * - the session: the secret of a Gatehouse session (sessions/browser-session.ts);
 * - the CSRF secret: random, for forms shown before sign-in (csrf.ts);
 * - the pending second step: the mfa_token of a sign-in that awaits its code (5 minutes), kept
 *   here rather than in the page so that no token of any kind is written into HTML.
 * On https, `__Host-` names (RFC 6265bis §4.1.3.2): Secure, Path=/, no Domain, so a sibling
 * subdomain cannot plant or shadow them.
 */
export interface CookieNames {
  session: string
  csrf: string
  mfa: string
  secure: boolean
}

export function cookieNames(publicUrl: string): CookieNames {
  const secure = publicUrl.startsWith('https:')
  const p = secure ? '__Host-' : ''
  return { session: `${p}gatehouse_session`, csrf: `${p}gatehouse_csrf`, mfa: `${p}gatehouse_mfa`, secure }
}

export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie
  if (!header) return undefined
  try {
    return parse(header)[name]
  } catch {
    return undefined
  }
}

const COOKIE_VALUE = /^[A-Za-z0-9_-]*$/

/**
 * Sets (maxAgeSeconds > 0) or clears (0) a cookie. Our names are fixed and our values base64url,
 * so the line is written directly (checked, never escaped: anything else is a bug, and throws);
 * the cookie library's serialize cost as much as the rest of the sign-in page's rendering.
 */
export function setCookie(reply: FastifyReply, names: CookieNames, name: string, value: string, maxAgeSeconds: number): void {
  const v = maxAgeSeconds > 0 ? value : ''
  if (!COOKIE_VALUE.test(v)) throw new Error(`cookie ${name}: not a base64url value`)
  const age = Math.max(0, Math.floor(maxAgeSeconds))
  const line = `${name}=${v}; Max-Age=${age}; Path=/; HttpOnly; SameSite=Lax${names.secure ? '; Secure' : ''}`
  // One line per cookie: a later setting of the same cookie in this response replaces the earlier
  // (a stale session cleared, then a new one set). Fastify appends set-cookie, so rebuild the list.
  const prior = reply.getHeader('set-cookie')
  const others = (prior === undefined ? [] : Array.isArray(prior) ? prior : [String(prior)]).filter((l) => !l.startsWith(`${name}=`))
  reply.removeHeader('set-cookie')
  for (const l of [...others, line]) reply.header('set-cookie', l)
}
