import type { preHandlerAsyncHookHandler } from 'fastify'
import { parseAuthorizeRequest } from '../oidc/authorize-request.js'
import { allowFormTarget } from './csp.js'
import { type PageKit, safeReturnTo } from './kit.js'

/**
 * preHandler of the sign-in pages: when the way on is an authorization request (/authorize with
 * a registered client and redirect URI), that redirect URI may end the submission's redirects
 * (see csp.ts). Only a target the registry confirms is added, never one a link merely names.
 */
export function allowAuthorizeTarget(kit: PageKit): preHandlerAsyncHookHandler {
  return async function authorizeTarget(request, reply) {
    const raw = (request.body as Record<string, unknown> | undefined)?.return_to ?? (request.query as Record<string, unknown> | undefined)?.return_to
    const returnTo = safeReturnTo(raw)
    if (!returnTo.startsWith('/authorize?')) return
    const params = Object.fromEntries(new URL(returnTo, 'http://gatehouse.invalid').searchParams)
    const parsed = await parseAuthorizeRequest(kit.deps, params)
    if (parsed.kind === 'ok') allowFormTarget(reply, parsed.request.redirectUri)
    else if (parsed.kind === 'error') allowFormTarget(reply, parsed.redirectUri)
  }
}
