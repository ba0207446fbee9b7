import type { FastifyReply } from 'fastify'

/** The pages' Content-Security-Policy: nothing inline, nothing from elsewhere, no framing. */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

/** A CSP source for where `url` leads: its origin, or its scheme alone for a native app's private-use scheme. */
function sourceOf(url: string): string | null {
  try {
    const u = new URL(url)
    // Only characters a CSP source may hold: a host with `;` or `,` would end the directive.
    if (u.protocol === 'http:' || u.protocol === 'https:') return /^https?:\/\/[A-Za-z0-9.\-[\]:]+$/.test(u.origin) ? u.origin : null
    return /^[a-z][a-z0-9+.-]*:$/.test(u.protocol) ? u.protocol : null
  } catch {
    return null
  }
}

/**
 * A page whose form ends in a redirect to a client (the consent form, the sign-in on the way back
 * to /authorize, the sign-out confirmation): browsers apply `form-action` to every redirect after
 * the submission (CSP 3), so that one client's redirect target, checked against its registration
 * by the caller, joins 'self'. Every other page keeps `form-action 'self'`.
 */
export function allowFormTarget(reply: FastifyReply, target: string): void {
  const source = sourceOf(target)
  if (source) reply.header('content-security-policy', PAGE_CSP.replace("form-action 'self'", `form-action 'self' ${source}`))
}
