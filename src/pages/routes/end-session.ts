import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { DomainError } from '../../errors.js'
import { clientMeta } from '../../http/auth.js'
import { checkEndSession } from '../../oidc/end-session.js'
import { logout } from '../../sessions/end.js'
import { setCookie } from '../cookies.js'
import { allowFormTarget } from '../csp.js'
import { html } from '../html.js'
import { csrfField, formError, layout } from '../layout.js'
import { checkForm, frameOf, type PageKit, pageState, sendPage } from '../kit.js'

const PARAMS = ['id_token_hint', 'post_logout_redirect_uri', 'state', 'client_id'] as const

/**
 * GET and POST /end-session (OpenID Connect RP-Initiated Logout 1.0): ends the browser's session
 * at once when a valid id_token_hint names it, after a confirmation (a CSRF-checked form) when
 * not, so that a link on another site cannot sign a person out. Then back to the client's
 * registered post_logout_redirect_uri with `state`, or a signed-out page.
 */
export function registerEndSessionPages(app: FastifyInstance, kit: PageKit): void {
  const { deps, names } = kit

  async function handle(request: FastifyRequest, reply: FastifyReply, raw: Record<string, unknown>, confirmedByForm: boolean) {
    const browser = pageState(request).browser
    let checked: Awaited<ReturnType<typeof checkEndSession>>
    try {
      checked = await checkEndSession(deps, raw, browser)
    } catch (err) {
      if (!(err instanceof DomainError)) throw err
      const body = html`${formError(err.message)}<p>Nothing was changed. <a href="/account">Your account</a></p>`
      return sendPage(reply, 400, layout(frameOf(request), { title: 'Sign-out link not accepted', body }))
    }
    if (browser && !checked.confirmed && !confirmedByForm) {
      const hidden = PARAMS.map((p) => (typeof raw[p] === 'string' ? html`<input type="hidden" name="${p}" value="${raw[p] as string}">` : ''))
      const body = html`<p>Do you want to sign out of Gatehouse as <strong>${browser.user.username}</strong>?</p>
<form method="post" action="/end-session/confirm">${csrfField(pageState(request).csrf)}${hidden}<button type="submit">Sign out</button></form>`
      if (checked.redirect) allowFormTarget(reply, checked.redirect)
      return sendPage(reply, 200, layout(frameOf(request), { title: 'Sign out', body }))
    }
    if (browser) {
      await logout(deps, { userId: browser.user.id, sessionId: browser.session.id }, clientMeta(request))
      setCookie(reply, names, names.session, '', 0)
    }
    if (checked.redirect) return reply.redirect(checked.redirect, 303)
    const body = html`<p>You are signed out.</p><p><a href="/account/login">Sign in again</a></p>`
    return sendPage(reply, 200, layout({ user: null, csrf: pageState(request).csrf }, { title: 'Signed out', body }))
  }

  const pick = (source: unknown) => {
    const s = (source ?? {}) as Record<string, unknown>
    return Object.fromEntries(PARAMS.filter((p) => s[p] !== undefined).map((p) => [p, s[p]]))
  }
  app.get('/end-session', { schema: { hide: true } }, async (request, reply) => handle(request, reply, pick(request.query), false))
  app.post('/end-session', { schema: { hide: true } }, async (request, reply) => handle(request, reply, pick(request.body), false))
  app.post('/end-session/confirm', { schema: { hide: true }, preHandler: checkForm(kit) }, async (request, reply) =>
    handle(request, reply, pick(request.body), true),
  )
}
