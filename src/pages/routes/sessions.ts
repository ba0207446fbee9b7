import type { FastifyInstance, FastifyRequest } from 'fastify'
import { clientMeta } from '../../http/auth.js'
import { endOwnSession } from '../../sessions/end.js'
import { listLiveSessions } from '../../sessions/list.js'
import { setCookie } from '../cookies.js'
import { html } from '../html.js'
import { csrfField, formError, layout, notice } from '../layout.js'
import { checkForm, formErrors, frameOf, type PageKit, pageState, requireSignedIn, sendPage, signedIn, text } from '../kit.js'

/** /account/sessions: every live session of the person (browsers and API clients alike); end one. */
export function registerSessionPages(app: FastifyInstance, kit: PageKit): void {
  const { deps, names } = kit

  const page = async (request: FastifyRequest, v: { notice?: string | undefined; error?: string | undefined }) => {
    const b = signedIn(request)
    const sessions = await listLiveSessions(deps, b.user, b.session.id)
    const csrf = csrfField(pageState(request).csrf)
    return layout(frameOf(request), {
      title: 'Sessions',
      current: '/account/sessions',
      body: html`${notice(v.notice)}${formError(v.error)}
<p>Where you are signed in. End any session you do not recognise; ending this browser's signs you out here.</p>
<ul class="cards">${sessions.map(
        (s) => html`<li>
<p><strong>${s.current ? 'This browser' : (s.user_agent ?? 'Unknown client')}</strong></p>
<p class="meta">${s.ip ?? 'unknown address'} · started <time datetime="${s.created_at}">${s.created_at.slice(0, 16).replace('T', ' ')} UTC</time> · last used <time datetime="${s.last_used_at}">${s.last_used_at.slice(0, 16).replace('T', ' ')} UTC</time></p>
<form method="post" action="/account/sessions/end" class="inline">${csrf}<input type="hidden" name="id" value="${s.id}"><button type="submit" class="secondary" aria-label="End session ${s.current ? '(this browser)' : (s.user_agent ?? s.id)}">End session</button></form>
</li>`,
      )}</ul>`,
    })
  }

  app.get('/sessions', { schema: { hide: true }, preHandler: requireSignedIn() }, async function sessions(request, reply) {
    return sendPage(reply, 200, await page(request, {}))
  })

  app.post('/sessions/end', { schema: { hide: true }, preHandler: [requireSignedIn(), checkForm(kit)] }, async function endSession(request, reply) {
    const b = signedIn(request)
    const id = text(request, 'id')
    try {
      await endOwnSession(deps, b.user.id, id, clientMeta(request))
    } catch (err) {
      const errors = formErrors(err)
      return sendPage(reply, errors.status, await page(request, { error: errors.form }))
    }
    if (id === b.session.id) {
      setCookie(reply, names, names.session, '', 0)
      return reply.redirect('/account/login?notice=signed_out', 303)
    }
    return sendPage(reply, 200, await page(request, { notice: 'The session has ended.' }))
  })
}
