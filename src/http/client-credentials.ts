import type { FastifyRequest } from 'fastify'
import { invalidClient, invalidRequest } from '../errors.js'
import type { ClientCredentials } from '../oidc/client-auth.js'

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)

/** RFC 6749 §2.3.1: the id and secret are form-urlencoded before Basic encodes them. */
function formDecode(s: string): string {
  return decodeURIComponent(s.replace(/\+/g, ' '))
}

/**
 * The client credentials a request carries: `client_secret_basic` (the Authorization header),
 * `client_secret_post` (client_id and client_secret in the form) or a public client's bare
 * client_id; null when it names no client. RFC 6749 §2.3: one method per request, so a Basic
 * header beside a client_secret in the form is invalid_request, as is a client_id in the form
 * that differs from the header's.
 * @throws DomainError invalid_client (a malformed Basic header), invalid_request.
 */
export function presentedClient(request: FastifyRequest): ClientCredentials | null {
  const body = (request.body ?? {}) as Record<string, unknown>
  const bodyId = text(body.client_id)
  const bodySecret = text(body.client_secret)
  const header = request.headers.authorization
  if (typeof header === 'string' && /^basic /i.test(header)) {
    if (bodySecret !== undefined) throw invalidRequest('use one client authentication method, not the Authorization header and client_secret')
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon <= 0) throw invalidClient()
    let clientId: string
    let secret: string
    try {
      clientId = formDecode(decoded.slice(0, colon))
      secret = formDecode(decoded.slice(colon + 1))
    } catch {
      throw invalidClient()
    }
    if (bodyId !== undefined && bodyId !== clientId) throw invalidRequest('client_id differs from the Authorization header')
    return { clientId, secret: secret === '' ? null : secret }
  }
  if (bodyId === undefined) {
    if (bodySecret !== undefined) throw invalidRequest('client_secret without client_id')
    return null
  }
  return { clientId: bodyId, secret: bodySecret ?? null }
}
