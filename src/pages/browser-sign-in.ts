import { randomBytes } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Authenticated } from '../authn/authenticate.js'
import { clientMeta } from '../http/auth.js'
import { establishBrowserSession } from '../sessions/browser-session.js'
import { logout } from '../sessions/end.js'
import { setCookie } from './cookies.js'
import { CSRF_COOKIE_SECONDS, type PageKit, pageState } from './kit.js'

/**
 * Every page sign-in ends here (password + code, passkey): the Authenticated from authn/ becomes
 * a browser session and its cookie. A browser holds one session: signing in again (as anyone) ends
 * the one it held, and a new secret is issued every time (no session fixation).
 */
export async function startBrowserSession(kit: PageKit, request: FastifyRequest, reply: FastifyReply, authn: Authenticated): Promise<void> {
  const previous = pageState(request).browser
  if (previous) await logout(kit.deps, { userId: previous.user.id, sessionId: previous.session.id }, clientMeta(request))
  const { secret } = await establishBrowserSession(kit.deps, authn, clientMeta(request))
  setCookie(reply, kit.names, kit.names.session, secret, kit.deps.config.refreshTokenTtlSeconds)
  setCookie(reply, kit.names, kit.names.mfa, '', 0)
  // A fresh CSRF secret too: one planted before sign-in is worth nothing after it.
  setCookie(reply, kit.names, kit.names.csrf, randomBytes(32).toString('base64url'), CSRF_COOKIE_SECONDS)
}
