import type { FastifyInstance, FastifyRequest } from 'fastify'
import { requestEmailChange, resendVerification } from '../../accounts/email.js'
import { clientMeta } from '../../http/auth.js'
import { passwordWork } from '../../http/password-work.js'
import { limit, RULES } from '../../http/rate-limit.js'
import { noticeFor } from '../notices.js'
import { html } from '../html.js'
import { csrfField, field, formError, layout, notice } from '../layout.js'
import { checkForm, type FormErrors, formErrors, frameOf, type PageKit, pageState, requireSignedIn, sendPage, signedIn, text } from '../kit.js'
import { secondFactorFields, secondFactorInput } from './second-factor-fields.js'

const NOTICES: Readonly<Record<string, string>> = {
  email: 'Check your inbox: the new address is used once you open the link we sent to it.',
  email_removed: 'Your email address is removed.',
  verification: 'A new verification link is on its way.',
}

/** /account: the profile, and the email change (the page form of PATCH /users/me). */
export function registerProfilePages(app: FastifyInstance, kit: PageKit): void {
  const { deps } = kit
  const byUser = (request: FastifyRequest) => signedIn(request).user.id

  const page = (request: FastifyRequest, v: { notice?: string | undefined; email?: string; errors?: FormErrors }) => {
    const { user } = signedIn(request)
    const status = user.email === null ? 'none' : user.emailVerified ? 'verified' : 'not verified yet'
    const unverified = user.pendingEmail ?? (user.email && !user.emailVerified ? user.email : null)
    return layout(frameOf(request), {
      title: 'Your account',
      current: '/account',
      body: html`${notice(v.notice)}
<dl class="facts">
<dt>Username</dt><dd>${user.username}</dd>
<dt>Email</dt><dd>${user.email ?? 'none'} <span class="badge">${status}</span></dd>
${user.pendingEmail ? html`<dt>Pending email</dt><dd>${user.pendingEmail} <span class="badge">waiting for its link</span></dd>` : ''}
<dt>Roles</dt><dd>${user.roles.join(', ')}</dd>
<dt>Member since</dt><dd><time datetime="${user.createdAt.toISOString()}">${user.createdAt.toISOString().slice(0, 10)}</time></dd>
</dl>
${
  unverified
    ? html`<form method="post" action="/account/verify-email/resend" class="inline">${csrfField(pageState(request).csrf)}<button type="submit" class="secondary">Send the verification link again</button></form>`
    : ''
}
<section aria-labelledby="email-h"><h2 id="email-h">Change email</h2>
${formError(v.errors?.form)}
<form method="post" action="/account/email" novalidate>
${csrfField(pageState(request).csrf)}
${field({ name: 'email', label: 'New email (empty removes it)', type: 'email', autocomplete: 'email', value: v.email ?? '', error: v.errors?.fields.email })}
${field({ name: 'current_password', label: 'Current password', type: 'password', autocomplete: 'current-password', required: true, error: v.errors?.fields.current_password })}
${secondFactorFields(user, v.errors)}
<button type="submit">Change email</button>
</form></section>`,
    })
  }

  app.get<{ Querystring: { notice?: string } }>('/', { schema: { hide: true }, preHandler: requireSignedIn() }, async function profile(request, reply) {
    return sendPage(reply, 200, page(request, { notice: noticeFor(NOTICES, request.query.notice) }))
  })

  app.post(
    '/email',
    {
      schema: { hide: true },
      preHandler: [
        requireSignedIn(),
        checkForm(kit),
        limit(deps, RULES.password),
        limit(deps, RULES.passwordUser, byUser),
        limit(deps, RULES.mailUser, byUser),
        passwordWork(deps),
      ],
    },
    async function changeEmail(request, reply) {
      const email = text(request, 'email').trim()
      try {
        const input = { email: email === '' ? null : email, current_password: text(request, 'current_password'), ...secondFactorInput(request) }
        await requestEmailChange(deps, signedIn(request).user, input, clientMeta(request))
        return reply.redirect(`/account?notice=${email === '' ? 'email_removed' : 'email'}`, 303)
      } catch (err) {
        const errors = formErrors(err, { wrong_password: 'current_password', wrong_otp: 'otp', mfa_required: 'otp' })
        return sendPage(reply, errors.status, page(request, { email, errors }))
      }
    },
  )

  app.post(
    '/verify-email/resend',
    { schema: { hide: true }, preHandler: [requireSignedIn(), checkForm(kit), limit(deps, RULES.mailIp), limit(deps, RULES.mailUser, byUser)] },
    async function resend(request, reply) {
      try {
        await resendVerification(deps, signedIn(request).user, clientMeta(request))
        return reply.redirect('/account?notice=verification', 303)
      } catch (err) {
        const errors = formErrors(err)
        return sendPage(reply, errors.status, page(request, { errors }))
      }
    },
  )
}
