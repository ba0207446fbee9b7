import type { Deps } from '../deps/types.js'
import { DomainError, unknownClient } from '../errors.js'
import type { BrowserSession } from '../sessions/browser-session.js'
import { verifyIdTokenHint } from '../tokens/id-token.js'

type EndSessionDeps = Pick<Deps, 'store' | 'keys' | 'idTokenKeys' | 'tokens' | 'clock'>

/** An RP-Initiated Logout 1.0 request (§2), checked. */
export interface EndSessionRequest {
  /** Where to go after: a registered post_logout_redirect_uri (exact), with `state`; null: the signed-out page. */
  redirect: string | null
  /** The hint names this browser's session: no confirmation needed (§2: the OP SHOULD ask otherwise). */
  confirmed: boolean
}

const one = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' && v.length <= 8192 ? v : undefined)

/**
 * Checks a logout request against the browser's session. The redirect target must be one the
 * client registered, compared as an exact string (the client named by client_id, or the ID token
 * hint's audience); an unknown one is an error page, never a redirect (§2, §3).
 * @throws DomainError unknown_client / unregistered_redirect_uri.
 */
export async function checkEndSession(
  deps: EndSessionDeps,
  raw: Readonly<Record<string, unknown>>,
  browser: BrowserSession | null,
): Promise<EndSessionRequest> {
  const hintText = one(raw.id_token_hint)
  const hint = hintText ? await verifyIdTokenHint(deps, { issuer: deps.tokens.issuer }, hintText, deps.clock()) : null
  const clientId = one(raw.client_id) ?? hint?.aud
  if (hint && one(raw.client_id) && hint.aud !== raw.client_id) throw unknownClient()
  const target = one(raw.post_logout_redirect_uri)
  let redirect: string | null = null
  if (target !== undefined) {
    const client = clientId ? await deps.store.findClient(clientId) : null
    if (!client) throw unknownClient()
    if (!client.postLogoutRedirectUris.includes(target)) throw new DomainError('unregistered_redirect_uri')
    const url = new URL(target)
    const state = one(raw.state)
    if (state !== undefined) url.searchParams.append('state', state)
    redirect = url.toString()
  }
  // Only the hint of this very browser session: an ID token the person got in another session (any
  // relying party holds some, expired or not) would otherwise sign them out without asking.
  const confirmed = browser !== null && hint !== null && hint.sid === browser.session.id
  return { redirect, confirmed }
}
