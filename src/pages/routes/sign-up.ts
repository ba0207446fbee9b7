import type { FastifyInstance, FastifyRequest } from 'fastify'
import { registerUser } from '../../accounts/register.js'
import { clientMeta } from '../../http/auth.js'
import { passwordWork } from '../../http/password-work.js'
import { limit, RULES } from '../../http/rate-limit.js'
import { html } from '../html.js'
import { csrfField, field, formError, layout } from '../layout.js'
import { checkForm, type FormErrors, formErrors, frameOf, type PageKit, pageState, sendPage, text } from '../kit.js'

/** /account/register: the page form of POST /register (same rules, same messages). */
export function registerSignUpPages(app: FastifyInstance, kit: PageKit): void {
  const { deps } = kit
  const page = (request: FastifyRequest, v: { username?: string; email?: string; errors?: FormErrors }) =>
    layout(frameOf(request), {
      title: 'Create an account',
      body:
        deps.config.registration === 'closed'
          ? html`<p>Registration is closed. Ask an administrator for an account.</p>`
          : html`${formError(v.errors?.form)}
<form method="post" action="/account/register" novalidate>
${csrfField(pageState(request).csrf)}
${field({ name: 'username', label: 'Username', autocomplete: 'username', required: true, value: v.username ?? '', error: v.errors?.fields.username, autofocus: true })}
${field({ name: 'email', label: 'Email (optional)', type: 'email', autocomplete: 'email', value: v.email ?? '', error: v.errors?.fields.email, hint: 'For password resets. We send a link to confirm it.' })}
${field({ name: 'password', label: 'Password', type: 'password', autocomplete: 'new-password', required: true, error: v.errors?.fields.password, hint: `At least ${deps.config.passwordMinLength} characters; a passphrase of a few words works well.` })}
<button type="submit">Create account</button>
</form>
<p class="links">Already have an account? <a href="/account/login">Sign in</a></p>`,
    })

  app.get('/register', { schema: { hide: true } }, async function registerForm(request, reply) {
    return sendPage(reply, deps.config.registration === 'closed' ? 403 : 200, page(request, {}))
  })

  app.post(
    '/register',
    { schema: { hide: true }, preHandler: [checkForm(kit), limit(deps, RULES.register), passwordWork(deps)] },
    async function registerSubmit(request, reply) {
      const username = text(request, 'username')
      const email = text(request, 'email').trim()
      try {
        await registerUser(deps, { username, email: email === '' ? null : email, password: text(request, 'password') }, clientMeta(request))
        return reply.redirect('/account/login?notice=created', 303)
      } catch (err) {
        const errors = formErrors(err, { username_taken: 'username', email_taken: 'email', registration_closed: 'username' })
        return sendPage(reply, errors.status, page(request, { username, email, errors }))
      }
    },
  )
}
