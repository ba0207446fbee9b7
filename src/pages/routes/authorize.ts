import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { scopeCatalog } from '../../accounts/scopes.js'
import { clientMeta } from '../../http/auth.js'
import { authorize, type AuthorizeStep, errorRedirect, FRESH_LOGIN_SECONDS } from '../../oidc/authorize.js'
import { type AuthorizeRequest, parseAuthorizeRequest } from '../../oidc/authorize-request.js'
import { allowFormTarget } from '../csp.js'
import { html } from '../html.js'
import { csrfField, formError, layout } from '../layout.js'
import { checkForm, frameOf, type PageKit, pageState, sendPage, signedIn, text } from '../kit.js'

/** What each scope lets the client do, in the person's words (the consent page). */
const OIDC_SCOPE_TEXT: Readonly<Record<string, string>> = {
  // Honest about GET /users/me, which the contract opens to any of the person's tokens.
  openid: 'Know who you are: your account id, username, email address and account status',
  profile: 'See your username',
  email: 'See your email address and whether it is verified',
  offline_access: 'Stay connected when you are not using it (until you take this back)',
  user: 'Manage your Gatehouse account: email, password, two-factor authentication, passkeys, sessions and apps',
}

/**
 * GET and POST /authorize (RFC 6749 §4.1.1, OpenID Connect Core §3.1.2): the browser's side of
 * the code flow. The login step is the account pages' sign-in (password, the MFA step, passkeys),
 * which comes back here; then the consent page; then back to the client with a code or an error.
 * POST /authorize/consent is the consent form: CSRF-checked and bound to the browser's session.
 */
export function registerAuthorizePages(app: FastifyInstance, kit: PageKit): void {
  const { deps } = kit
  const catalog = scopeCatalog(deps.config.roleScopes)
  const describe = (s: string) => OIDC_SCOPE_TEXT[s] ?? catalog[s] ?? `The ${s} scope`

  async function start(request: FastifyRequest, reply: FastifyReply, raw: Readonly<Record<string, unknown>>, decision?: 'allow' | 'deny') {
    const parsed = await parseAuthorizeRequest(deps, raw)
    // Never redirected: the client or the target is not known to be the client's (RFC 6749 §4.1.2.1).
    if (parsed.kind === 'fatal') return errorPage(request, reply, parsed.error.message)
    if (parsed.kind === 'error') return follow(reply, errorRedirect(deps.config.issuer, parsed))
    const step = await authorize(deps, parsed.request, pageState(request).browser, clientMeta(request), decision)
    if (step.kind === 'login') return reply.redirect(loginUrl(parsed.request, step.fresh), 303)
    if (step.kind === 'consent') {
      allowFormTarget(reply, parsed.request.redirectUri)
      return sendPage(reply, 200, consentPage(request, parsed.request, step.scopes))
    }
    return follow(reply, step)
  }

  const follow = (reply: FastifyReply, step: AuthorizeStep) => {
    if (step.kind !== 'redirect') throw new Error('not a redirect')
    return reply.redirect(step.url, 303)
  }

  const errorPage = (request: FastifyRequest, reply: FastifyReply, message: string) =>
    sendPage(
      reply,
      400,
      layout(frameOf(request), {
        title: 'This sign-in link does not work',
        body: html`${formError(message)}<p>The application that sent you here is not set up to sign in with this server. Go back to it and try again, or tell its owner.</p>`,
      }),
    )

  const consentPage = (request: FastifyRequest, req: AuthorizeRequest, scopes: string[]) => {
    const user = signedIn(request).user
    const hidden = Object.entries(req.params).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)
    return layout(frameOf(request), {
      title: `Allow ${req.client.name}?`,
      body: html`<p><strong>${req.client.name}</strong> wants to sign you in as <strong>${user.username}</strong> and to:</p>
<ul class="scopes">${scopes.map((s) => html`<li>${describe(s)}</li>`)}</ul>
<p>You can take this back at any time on <a href="/account/apps">your apps page</a>.</p>
<form method="post" action="/authorize/consent" class="consent">
${csrfField(pageState(request).csrf)}${hidden}
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny" class="secondary">Deny</button>
</form>`,
    })
  }

  app.get('/authorize', { schema: { hide: true } }, async function authorizeGet(request, reply) {
    return start(request, reply, request.query as Record<string, unknown>)
  })
  // OpenID Connect Core §3.1.2.1: the request may come as a form post too. (A cross-site POST
  // carries no SameSite=Lax cookie, so the person may be asked to sign in again.)
  app.post('/authorize', { schema: { hide: true } }, async function authorizePost(request, reply) {
    return start(request, reply, (request.body ?? {}) as Record<string, unknown>)
  })
  app.post('/authorize/consent', { schema: { hide: true }, preHandler: checkForm(kit) }, async function consent(request, reply) {
    const body = { ...((request.body ?? {}) as Record<string, unknown>) }
    const decision = text(request, 'decision') === 'allow' ? 'allow' : 'deny'
    delete body.csrf_token
    delete body.decision
    return start(request, reply, body, decision)
  })
}

/**
 * The sign-in page, then back to this request. `fresh` (prompt=login, or max_age passed): the
 * sign-in page shows its form even to a signed-in browser, and the way back asks for a sign-in
 * within the last minute instead of prompt=login, which would send the person round again.
 */
function loginUrl(req: AuthorizeRequest, fresh: boolean): string {
  const back = new URLSearchParams(req.params)
  if (fresh) {
    const prompt = [...req.prompt].filter((p) => p !== 'login').join(' ')
    if (prompt) back.set('prompt', prompt)
    else back.delete('prompt')
    back.set('max_age', String(FRESH_LOGIN_SECONDS))
  }
  const login = new URLSearchParams({ return_to: `/authorize?${back.toString()}` })
  if (fresh) login.set('prompt', 'login')
  if (req.loginHint) login.set('login_hint', req.loginHint)
  return `/account/login?${login.toString()}`
}
