import { effectiveRoles, OIDC_SCOPES, scopesForRoles } from '../accounts/scopes.js'
import type { Deps } from '../deps/types.js'
import { AUTHORIZE_ERRORS, type AuthorizeErrorCode } from '../errors.js'
import { type ClientMeta, recordWith } from '../events/events.js'
import { newId } from '../lib/ids.js'
import type { RateRule } from '../rate-limit/limiter.js'
import type { BrowserSession } from '../sessions/browser-session.js'
import { type AuthorizeRequest, authorizationResponseUrl } from './authorize-request.js'
import { AUTHORIZATION_CODE_TTL_SECONDS, hashAuthorizationCode, MAX_LIVE_CODES_PER_USER, newAuthorizationCode } from './codes.js'

type AuthorizeDeps = Pick<Deps, 'store' | 'clock' | 'config' | 'events' | 'limiter'>

/**
 * Codes per person: each becomes a session row when redeemed, so the code flow is bounded per
 * target like the password grant is per address. A minute's worth covers any number of apps and
 * tabs signing one person in; a loop minting sessions is not.
 */
export const CODES_PER_USER_CLIENT: RateRule = { name: 'authorize-user-client', limit: 30, windowSeconds: 60 }
/** And per person over every app: one app stuck in a silent-renewal loop spends its own budget, not the others'. */
export const CODES_PER_USER: RateRule = { name: 'authorize-user', limit: 120, windowSeconds: 60 }

/** What the authorization endpoint does next: the browser-facing edge (pages/routes/authorize.ts) carries it out. */
export type AuthorizeStep =
  /** Sign in first (`fresh`: even with a session, as prompt=login and max_age ask), then come back. */
  | { kind: 'login'; fresh: boolean }
  /** Ask the person (a client that is not first-party, or prompt=consent): these scopes, for this client. */
  | { kind: 'consent'; scopes: string[] }
  /** Back to the client: a code or an error, on its redirect URI. */
  | { kind: 'redirect'; url: string }

/**
 * prompt=login is satisfied by a sign-in this recent (the login page sends the person back with
 * max_age set to this, so a second pass cannot loop): OpenID Connect Core §3.1.2.1 asks for a
 * fresh authentication, and one within the last minute is one the person just made.
 */
export const FRESH_LOGIN_SECONDS = 60

/** An error on the client's redirect URI, with `state` and `iss` (RFC 6749 §4.1.2.1, RFC 9207). */
export function errorRedirect(
  issuer: string,
  e: { redirectUri: string; state: string | undefined; error: AuthorizeErrorCode; description?: string | undefined },
): AuthorizeStep {
  const params = { error: e.error, error_description: e.description ?? AUTHORIZE_ERRORS[e.error], state: e.state }
  return { kind: 'redirect', url: authorizationResponseUrl(e.redirectUri, issuer, params) }
}

/**
 * The scopes to grant: what was asked for that the person holds now. The OpenID scopes concern
 * their own identity; the others come from their roles (at the strength of their sign-in, as for
 * the password grant). offline_access only where the client may refresh (OpenID Connect Core §11).
 */
export function grantableScopes(deps: Pick<Deps, 'config'>, req: AuthorizeRequest, browser: BrowserSession): string[] {
  const roles = effectiveRoles(browser.user.roles, browser.session.amr, deps.config.mfaRequiredRoles)
  const held = new Set([...OIDC_SCOPES, ...scopesForRoles(deps.config.roleScopes, roles)])
  return req.scopes.filter((s) => held.has(s) && (s !== 'offline_access' || req.client.grantTypes.includes('refresh_token')))
}

/**
 * The authorization endpoint's decision for a checked request and the browser's session (or
 * none): sign in, ask for consent, or answer the client. `decision` is the consent form's answer.
 */
export async function authorize(
  deps: AuthorizeDeps,
  req: AuthorizeRequest,
  browser: BrowserSession | null,
  meta: ClientMeta,
  decision?: 'allow' | 'deny',
): Promise<AuthorizeStep> {
  const issuer = deps.config.issuer
  const fail = (error: AuthorizeErrorCode) => errorRedirect(issuer, { redirectUri: req.redirectUri, state: req.state, error })
  const none = req.prompt.has('none')
  if (!browser) return none ? fail('login_required') : { kind: 'login', fresh: false }
  if (decision === undefined) {
    const ageSeconds = Math.floor((deps.clock().getTime() - browser.session.authTime.getTime()) / 1000)
    if (req.prompt.has('login')) return { kind: 'login', fresh: true }
    if (req.maxAge !== null && ageSeconds > req.maxAge) return none ? fail('login_required') : { kind: 'login', fresh: true }
  }
  const scopes = grantableScopes(deps, req, browser)
  if (scopes.length === 0) return fail('invalid_scope')
  if (decision === 'deny') return fail('access_denied')
  // RFC 8252 §8.6: a public client on a loopback or private-use redirect URI cannot prove who it
  // is (any local program can listen on a port or claim a scheme), so it never gets a code
  // without the person's say, first-party or not.
  const assured = req.client.confidential || req.redirectUri.startsWith('https://')
  if (decision === undefined && !assured) return none ? fail('consent_required') : { kind: 'consent', scopes }
  if (decision === undefined && !req.client.firstParty) {
    const consent = await deps.store.findConsent(browser.user.id, req.client.id)
    const covered = consent !== null && scopes.every((s) => consent.scopes.includes(s))
    if (!covered || req.prompt.has('consent')) return none ? fail('consent_required') : { kind: 'consent', scopes }
  } else if (decision === undefined && req.prompt.has('consent')) {
    if (none) return fail('consent_required')
    return { kind: 'consent', scopes }
  }
  if (decision === 'allow' && !req.client.firstParty) {
    const event = {
      type: 'consent.granted',
      actorId: browser.user.id,
      subjectId: browser.user.id,
      meta,
      details: { client_id: req.client.id, scope: scopes.join(' ') },
    } as const
    await recordWith(
      deps.events,
      event,
      (audit) => deps.store.grantConsent(browser.user.id, req.client.id, scopes, deps.clock(), audit),
      () => true,
    )
  }
  if (deps.config.rateLimit) {
    const now = deps.clock()
    const perClient = await deps.limiter.consume(`${browser.user.id}|${req.client.id}`, CODES_PER_USER_CLIENT, now)
    if (!perClient.allowed || !(await deps.limiter.consume(browser.user.id, CODES_PER_USER, now)).allowed) return fail('temporarily_unavailable')
  }
  const code = await issueCode(deps, req, browser, scopes)
  return { kind: 'redirect', url: authorizationResponseUrl(req.redirectUri, issuer, { code, state: req.state }) }
}

/** A new code (256 bits, stored hashed, 60 s), bound to everything the exchange must match. */
async function issueCode(deps: AuthorizeDeps, req: AuthorizeRequest, browser: BrowserSession, scopes: string[]): Promise<string> {
  const code = newAuthorizationCode()
  const now = deps.clock()
  await deps.store.createAuthorizationCode(
    {
      hash: hashAuthorizationCode(code),
      clientId: req.client.id,
      userId: browser.user.id,
      redirectUri: req.redirectUri,
      codeChallenge: req.codeChallenge,
      nonce: req.nonce ?? null,
      scope: scopes.join(' '),
      browserSessionId: browser.session.id,
      authTime: browser.session.authTime,
      amr: [...browser.session.amr],
      sessionId: newId(),
      createdAt: now,
      expiresAt: new Date(now.getTime() + AUTHORIZATION_CODE_TTL_SECONDS * 1000),
    },
    MAX_LIVE_CODES_PER_USER,
  )
  return code
}
