import type { FastifyInstance } from 'fastify'
import { html } from '../html.js'
import { layout } from '../layout.js'
import { frameOf, requireSignedIn, sendPage } from '../kit.js'

/** /account/apps: the applications the person let sign them in (OpenID Connect consents; none until clients exist). */
export function registerAppPages(app: FastifyInstance): void {
  app.get('/apps', { schema: { hide: true }, preHandler: requireSignedIn() }, async function apps(request, reply) {
    const body = html`<p>Applications you have allowed to sign you in with Gatehouse appear here, and you can take that permission back.</p>
<p class="empty">No applications yet.</p>`
    return sendPage(reply, 200, layout(frameOf(request), { title: 'Apps', current: '/account/apps', body }))
  })
}
