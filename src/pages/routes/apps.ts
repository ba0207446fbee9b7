import type { FastifyInstance, FastifyRequest } from 'fastify'
import { clientMeta } from '../../http/auth.js'
import { listGrants, revokeGrant } from '../../oidc/grants.js'
import { html } from '../html.js'
import { csrfField, formError, layout, notice } from '../layout.js'
import { checkForm, formErrors, frameOf, type PageKit, pageState, requireSignedIn, sendPage, signedIn, text } from '../kit.js'

/** /account/apps: the applications the person let sign them in (OpenID Connect consents); take one back. */
export function registerAppPages(app: FastifyInstance, kit: PageKit): void {
  const { deps } = kit

  const page = async (request: FastifyRequest, v: { notice?: string; error?: string | undefined }) => {
    const grants = await listGrants(deps, signedIn(request).user.id)
    const csrf = csrfField(pageState(request).csrf)
    const list =
      grants.length === 0
        ? html`<p class="empty">No applications yet.</p>`
        : html`<ul class="cards">${grants.map(
            (g) => html`<li>
<p><strong>${g.name}</strong></p>
<p class="meta">Allowed: ${g.scopes.join(', ')} · since <time datetime="${g.granted_at}">${g.granted_at.slice(0, 16).replace('T', ' ')} UTC</time></p>
<form method="post" action="/account/apps/revoke" class="inline">${csrf}<input type="hidden" name="client_id" value="${g.client_id}"><button type="submit" class="secondary" aria-label="Remove access for ${g.name}">Remove access</button></form>
</li>`,
          )}</ul>`
    return layout(frameOf(request), {
      title: 'Apps',
      current: '/account/apps',
      body: html`${notice(v.notice)}${formError(v.error)}
<p>Applications you have allowed to sign you in with Gatehouse. Removing one signs you out of it; it must ask again.</p>
${list}`,
    })
  }

  app.get('/apps', { schema: { hide: true }, preHandler: requireSignedIn() }, async function apps(request, reply) {
    return sendPage(reply, 200, await page(request, {}))
  })

  app.post('/apps/revoke', { schema: { hide: true }, preHandler: [requireSignedIn(), checkForm(kit)] }, async function revokeApp(request, reply) {
    try {
      await revokeGrant(deps, signedIn(request).user.id, text(request, 'client_id'), clientMeta(request))
    } catch (err) {
      const errors = formErrors(err)
      return sendPage(reply, errors.status, await page(request, { error: errors.form }))
    }
    return sendPage(reply, 200, await page(request, { notice: 'Access removed.' }))
  })
}
