import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { mustEnrolMfa } from '../../accounts/scopes.js'
import { authenticateWithPassword, completeSecondFactor, type Authenticated } from '../../authn/authenticate.js'
import { clientMeta } from '../../http/auth.js'
import { passwordWork } from '../../http/password-work.js'
import { limit, RULES } from '../../http/rate-limit.js'
import { allowAuthorizeTarget } from '../authorize-target.js'
import { startBrowserSession } from '../browser-sign-in.js'
import { logout } from '../../sessions/end.js'
import { readCookie, setCookie } from '../cookies.js'
import { noticeFor } from '../notices.js'
import { html } from '../html.js'
import { csrfField, field, formError, layout, notice } from '../layout.js'
import { checkForm, type FormErrors, formErrors, frameOf, type PageKit, pageState, safeReturnTo, sendPage, text } from '../kit.js'

const MFA_COOKIE_SECONDS = 300
/** Fixed texts for ?notice= (never the query's own text: nothing a link carries is echoed). */
const NOTICES: Readonly<Record<string, string>> = {
  created: 'Your account is ready. Sign in to continue.',
  reset: 'Your password is set. Sign in with it.',
  signed_out: 'You are signed out.',
  expired: 'That step took too long. Sign in again.',
}

/** /account/login (password, then the second factor when the account has one), /account/logout. */
export function registerSignInPages(app: FastifyInstance, kit: PageKit): void {
  const { deps, names } = kit
  const passkeys = deps.config.webauthn !== null

  // The passkey button is named "Use a passkey", not "Sign in with a passkey": a second button whose
  // name contains "Sign in" would make "the Sign in button" ambiguous to people and to tests.
  const loginPage = (request: FastifyRequest, v: { username?: string; returnTo: string; notice?: string | undefined; errors?: FormErrors }) =>
    layout(frameOf(request), {
      title: 'Sign in',
      scripts: passkeys ? ['/account/assets/webauthn.js', '/account/assets/passkeys.js'] : [],
      body: html`${notice(v.notice)}${formError(v.errors?.form)}
<form method="post" action="/account/login" novalidate>
${csrfField(pageState(request).csrf)}<input type="hidden" name="return_to" value="${v.returnTo}">
${field({ name: 'username', label: 'Username', autocomplete: 'username webauthn', required: true, value: v.username ?? '', error: v.errors?.fields.username, autofocus: true })}
${field({ name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password', required: true, error: v.errors?.fields.password })}
<button type="submit">Sign in</button>
</form>
${passkeys ? passkeyButton(v.returnTo) : ''}
<p class="links"><a href="/account/forgot-password">Forgot your password?</a> · <a href="/account/register">Create an account</a></p>`,
    })

  const mfaPage = (request: FastifyRequest, v: { returnTo: string; errors?: FormErrors }) =>
    layout(frameOf(request), {
      title: 'Two-factor authentication',
      body: html`${formError(v.errors?.form)}
<p>Enter the 6-digit code from your authenticator app.</p>
<form method="post" action="/account/login/mfa" novalidate>
${csrfField(pageState(request).csrf)}<input type="hidden" name="return_to" value="${v.returnTo}">
${field({ name: 'otp', label: 'Authentication code', autocomplete: 'one-time-code', inputmode: 'numeric', error: v.errors?.fields.otp, autofocus: true })}
<button type="submit">Continue</button>
</form>
<details${v.errors?.fields.recovery_code ? html` open` : ''}><summary>Use a recovery code instead</summary>
<form method="post" action="/account/login/mfa" novalidate>
${csrfField(pageState(request).csrf)}<input type="hidden" name="return_to" value="${v.returnTo}">
${field({ name: 'recovery_code', label: 'Recovery code', autocomplete: 'off', error: v.errors?.fields.recovery_code })}
<button type="submit">Continue</button>
</form></details>`,
    })

  /** Signed in: the session cookie, and on to where the person was going (303: the next request is a GET). */
  async function signIn(request: FastifyRequest, reply: FastifyReply, authn: Authenticated, returnTo: string) {
    await startBrowserSession(kit, request, reply, authn)
    // MFA_REQUIRED_ROLES: the role's scopes wait for the factor, so the way on is to set it up.
    if (mustEnrolMfa(authn.user, deps.config.mfaRequiredRoles)) return reply.redirect('/account/security?notice=mfa_enrol', 303)
    return reply.redirect(returnTo, 303)
  }

  app.get<{ Querystring: { return_to?: string; notice?: string; prompt?: string; login_hint?: string } }>(
    '/login',
    { schema: { hide: true }, preHandler: allowAuthorizeTarget(kit) },
    async function loginForm(request, reply) {
      const returnTo = safeReturnTo(request.query.return_to)
      // prompt=login (from /authorize): the form, even for a signed-in browser (OpenID Connect Core §3.1.2.1).
      if (pageState(request).browser && request.query.prompt !== 'login') return reply.redirect(returnTo, 303)
      const hint = typeof request.query.login_hint === 'string' ? request.query.login_hint.slice(0, 256) : undefined
      return sendPage(reply, 200, loginPage(request, { returnTo, notice: noticeFor(NOTICES, request.query.notice), ...(hint ? { username: hint } : {}) }))
    },
  )

  app.post(
    '/login',
    { schema: { hide: true }, preHandler: [checkForm(kit), limit(deps, RULES.token), allowAuthorizeTarget(kit), passwordWork(deps)] },
    async function loginSubmit(request, reply) {
      const returnTo = safeReturnTo(text(request, 'return_to'))
      const username = text(request, 'username')
      try {
        const result = await authenticateWithPassword(deps, { username, password: text(request, 'password') }, clientMeta(request))
        if (result.kind === 'authenticated') return await signIn(request, reply, result, returnTo)
        // The challenge stays in an HttpOnly cookie, never in the page.
        setCookie(reply, names, names.mfa, result.challenge, MFA_COOKIE_SECONDS)
        return sendPage(reply, 200, mfaPage(request, { returnTo }))
      } catch (err) {
        const errors = formErrors(err, { invalid_credentials: 'password', email_not_verified: 'username', inactive_user: 'username' })
        return sendPage(reply, errors.status, loginPage(request, { username, returnTo, errors }))
      }
    },
  )

  app.get<{ Querystring: { return_to?: string } }>(
    '/login/mfa',
    { schema: { hide: true }, preHandler: allowAuthorizeTarget(kit) },
    async function mfaForm(request, reply) {
      const returnTo = safeReturnTo(request.query.return_to)
      if (!readCookie(request, names.mfa)) return reply.redirect('/account/login?notice=expired', 303)
      return sendPage(reply, 200, mfaPage(request, { returnTo }))
    },
  )

  app.post(
    '/login/mfa',
    { schema: { hide: true }, preHandler: [checkForm(kit), limit(deps, RULES.token), allowAuthorizeTarget(kit)] },
    async function mfaSubmit(request, reply) {
      const returnTo = safeReturnTo(text(request, 'return_to'))
      const otp = text(request, 'otp')
      const recoveryCode = text(request, 'recovery_code')
      const mfaToken = readCookie(request, names.mfa) ?? ''
      try {
        const authn = await completeSecondFactor(deps, { mfaToken, ...(recoveryCode ? { recoveryCode } : { otp }) }, clientMeta(request))
        return await signIn(request, reply, authn, returnTo)
      } catch (err) {
        const errors = formErrors(err, { invalid_otp: recoveryCode ? 'recovery_code' : 'otp', invalid_fields: 'otp' })
        // The challenge is gone (expired, spent, its password changed): start again.
        if ((err as { code?: string }).code === 'invalid_mfa_token') return reply.redirect('/account/login?notice=expired', 303)
        return sendPage(reply, errors.status, mfaPage(request, { returnTo, errors }))
      }
    },
  )

  app.post('/logout', { schema: { hide: true }, preHandler: checkForm(kit) }, async function logoutSubmit(request, reply) {
    const b = pageState(request).browser
    if (b) await logout(deps, { userId: b.user.id, sessionId: b.session.id }, clientMeta(request))
    setCookie(reply, names, names.session, '', 0)
    return reply.redirect('/account/login?notice=signed_out', 303)
  })
}

/** Shown by passkeys.js only where the browser can do WebAuthn (hidden without script). */
const passkeyButton = (returnTo: string) => html`<div class="passkey" data-passkey-login data-return-to="${returnTo}" hidden>
<p class="or">or</p>
<button type="button" class="secondary" data-passkey-signin>Use a passkey</button>
<p class="error" data-passkey-error role="alert" hidden></p>
</div>
`
