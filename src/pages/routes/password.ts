import type { FastifyInstance, FastifyRequest } from 'fastify'
import { forgotPassword, resetPassword } from '../../accounts/password-reset.js'
import { verifyEmail } from '../../accounts/email.js'
import { clientMeta } from '../../http/auth.js'
import { passwordWork } from '../../http/password-work.js'
import { limit, RULES } from '../../http/rate-limit.js'
import { html } from '../html.js'
import { csrfField, field, formError, layout, notice } from '../layout.js'
import { checkForm, type FormErrors, formErrors, frameOf, type PageKit, pageState, sendPage, text } from '../kit.js'

/** /account/forgot-password, /account/reset-password and /account/verify-email: where the mailed links land. */
export function registerMailLinkPages(app: FastifyInstance, kit: PageKit): void {
  const { deps } = kit

  const forgotPage = (request: FastifyRequest, v: { email?: string; sent?: boolean; errors?: FormErrors }) =>
    layout(frameOf(request), {
      title: 'Reset your password',
      body: v.sent
        ? html`${notice('If an account has that address, a message with a reset link is on its way. The link works for an hour.')}<p><a href="/account/login">Back to sign in</a></p>`
        : html`${formError(v.errors?.form)}<form method="post" action="/account/forgot-password" novalidate>
${csrfField(pageState(request).csrf)}
${field({ name: 'email', label: 'Email', type: 'email', autocomplete: 'email', required: true, value: v.email ?? '', error: v.errors?.fields.email, autofocus: true })}
<button type="submit">Send reset link</button>
</form>`,
    })

  // The token came in the link's URL (the contract's); the form carries it on in a hidden field so
  // that the POST does not put it in a URL again, and the pages' Referrer-Policy keeps it on this origin.
  const resetPage = (request: FastifyRequest, v: { token: string; errors?: FormErrors }) =>
    layout(frameOf(request), {
      title: 'Choose a new password',
      body: html`${formError(v.errors?.form)}<form method="post" action="/account/reset-password" novalidate>
${csrfField(pageState(request).csrf)}<input type="hidden" name="token" value="${v.token}">
${field({ name: 'new_password', label: 'New password', type: 'password', autocomplete: 'new-password', required: true, error: v.errors?.fields.new_password, autofocus: true })}
<button type="submit">Set password</button>
</form>`,
    })

  app.get('/forgot-password', { schema: { hide: true } }, async function forgotForm(request, reply) {
    return sendPage(reply, 200, forgotPage(request, {}))
  })

  app.post(
    '/forgot-password',
    { schema: { hide: true }, preHandler: [checkForm(kit), limit(deps, RULES.mailIp)] },
    async function forgotSubmit(request, reply) {
      const email = text(request, 'email')
      try {
        await forgotPassword(deps, email, clientMeta(request))
        return sendPage(reply, 200, forgotPage(request, { sent: true }))
      } catch (err) {
        const errors = formErrors(err)
        return sendPage(reply, errors.status, forgotPage(request, { email, errors }))
      }
    },
  )

  app.get<{ Querystring: { token?: string } }>('/reset-password', { schema: { hide: true } }, async function resetForm(request, reply) {
    const token = typeof request.query.token === 'string' ? request.query.token.slice(0, 256) : ''
    return sendPage(reply, 200, resetPage(request, { token }))
  })

  app.post(
    '/reset-password',
    { schema: { hide: true }, preHandler: [checkForm(kit), limit(deps, RULES.mailToken), passwordWork(deps)] },
    async function resetSubmit(request, reply) {
      const token = text(request, 'token').slice(0, 256)
      try {
        await resetPassword(deps, { token, new_password: text(request, 'new_password') }, clientMeta(request))
        return reply.redirect('/account/login?notice=reset', 303)
      } catch (err) {
        const errors = formErrors(err)
        return sendPage(reply, errors.status, resetPage(request, { token, errors }))
      }
    },
  )

  // Verifies on opening: the link proves the mailbox, and opening it twice says it was used.
  app.get<{ Querystring: { token?: string } }>(
    '/verify-email',
    { schema: { hide: true }, preHandler: limit(deps, RULES.mailToken) },
    async function verifyLink(request, reply) {
      const token = typeof request.query.token === 'string' ? request.query.token.slice(0, 256) : ''
      try {
        const user = await verifyEmail(deps, token, clientMeta(request))
        const body = html`${notice(`Your email address ${user.email ?? ''} is verified.`)}<p><a href="/account">Continue to your account</a></p>`
        return sendPage(reply, 200, layout(frameOf(request), { title: 'Email verified', body }))
      } catch (err) {
        const errors = formErrors(err)
        const body = html`${formError(errors.form)}<p>Sign in and ask for a new link from your account page.</p><p><a href="/account">Your account</a></p>`
        return sendPage(reply, errors.status, layout(frameOf(request), { title: 'Verify your email', body }))
      }
    },
  )
}
