import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Deps } from '../deps/types.js'
import { DomainError } from '../errors.js'
import { toHttp } from '../http/http-errors.js'
import { PAGE_CSP } from './csp.js'
import { html } from './html.js'
import { formError, layout } from './layout.js'
import { frameOf, loadPageState, pageKit, sendPage } from './kit.js'
import { registerAppPages } from './routes/apps.js'
import { registerAuthorizePages } from './routes/authorize.js'
import { registerEndSessionPages } from './routes/end-session.js'
import { registerMailLinkPages } from './routes/password.js'
import { registerProfilePages } from './routes/profile.js'
import { registerPasskeyPages } from './routes/passkeys.js'
import { registerSecurityPages } from './routes/security.js'
import { registerSessionPages } from './routes/sessions.js'
import { registerSignInPages } from './routes/sign-in.js'
import { registerSignUpPages } from './routes/sign-up.js'

const ASSETS_DIR = join(import.meta.dirname, '..', '..', 'templates', 'pages')

/**
 * The pages' own headers, over the API's: a CSP with no inline script or style at all and
 * nothing from another origin; no framing (clickjacking); and `Referrer-Policy: same-origin`,
 * because under `no-referrer` Chromium sends `Origin: null` on form posts, which the CSRF check
 * must refuse (an opaque origin is what a hostile sandboxed frame sends too).
 */
const PAGE_HEADERS = {
  'content-security-policy': PAGE_CSP,
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
}

/** /account/*: server-rendered pages for people (ACCOUNT_PAGES=off: none of them, 404). */
export async function registerAccountPages(app: FastifyInstance, deps: Deps): Promise<void> {
  if (!deps.config.accountPages) return
  const kit = pageKit(deps)
  const assets = loadAssets()
  app.decorateRequest('page', null)
  await app.register(
    async function accountPages(pages) {
      pages.addHook('onRequest', async (_request, reply) => {
        reply.headers(PAGE_HEADERS)
      })
      pages.get<{ Params: { name: string } }>('/assets/:name', { schema: { hide: true } }, async function asset(request, reply) {
        const a = assets.get(request.params.name)
        if (!a) return reply.code(404).type('text/plain').send('Not Found')
        return reply.header('cache-control', 'public, max-age=3600').type(a.type).send(a.body)
      })
      await pages.register(async function withState(scoped) {
        scoped.addHook('onRequest', loadPageState(kit))
        scoped.setErrorHandler(pageErrorHandler)
        scoped.setNotFoundHandler(async function pageNotFound(request, reply) {
          const body = html`<p>There is no page at this address.</p><p><a href="/account">Your account</a></p>`
          return sendPage(reply, 404, layout(frameOf(request), { title: 'Page not found', body }))
        })
        registerSignInPages(scoped, kit) //    /account/login[/mfa], /account/logout
        registerSignUpPages(scoped, kit) //    /account/register
        registerMailLinkPages(scoped, kit) //  /account/forgot-password, /account/reset-password, /account/verify-email
        registerProfilePages(scoped, kit) //   /account, /account/email, /account/verify-email/resend
        registerSecurityPages(scoped, kit) //  /account/security[/password|/totp...], /account/passkeys/:id/{rename,remove}
        registerPasskeyPages(scoped, kit) //   /account/login/passkey[/options], /account/passkeys[/options] (JSON, from passkeys.js)
        registerSessionPages(scoped, kit) //   /account/sessions[/end]
        registerAppPages(scoped, kit) //       /account/apps[/revoke]
      })
    },
    { prefix: '/account' },
  )
  // The OpenID Connect endpoints a browser visits: pages too (the same headers, session and CSRF
  // state), at the paths discovery names. No not-found handler here: this scope is the root's.
  await app.register(async function oidcPages(pages) {
    pages.addHook('onRequest', async (_request, reply) => {
      reply.headers(PAGE_HEADERS)
    })
    pages.addHook('onRequest', loadPageState(kit))
    pages.setErrorHandler(pageErrorHandler)
    registerAuthorizePages(pages, kit) //  /authorize, /authorize/consent
    registerEndSessionPages(pages, kit) // /end-session[/confirm]
  })
}

/** A DomainError from a guard (CSRF, a limit) becomes a page with the API's status and words; anything else goes to the app's handler. */
function pageErrorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  // The passkey calls from passkeys.js are JSON: their errors are the API's JSON ({"detail"}).
  const json = String(request.headers['content-type'] ?? '').startsWith('application/json')
  if (!(err instanceof DomainError) || json) throw err
  const http = toHttp(err)
  if (http.opts.headers) reply.headers(http.opts.headers)
  const body = html`${formError(err.message)}<p><a href="${request.url.split('?')[0] ?? '/account'}">Try again</a> · <a href="/account">Your account</a></p>`
  return sendPage(
    reply,
    http.status,
    layout({ user: request.page?.browser?.user ?? null, csrf: request.page?.csrf ?? '' }, { title: 'Something went wrong', body }),
  )
}

interface Asset {
  type: string
  body: Buffer
}

/** Read once at start: the stylesheet, our script, and the WebAuthn browser library (served from here, no CDN). */
function loadAssets(): Map<string, Asset> {
  const require = createRequire(import.meta.url)
  const files: [string, string, string][] = [
    ['app.css', join(ASSETS_DIR, 'app.css'), 'text/css; charset=utf-8'],
    ['passkeys.js', join(ASSETS_DIR, 'passkeys.js'), 'text/javascript; charset=utf-8'],
    // @simplewebauthn/browser's UMD bundle: defines the SimpleWebAuthnBrowser global that passkeys.js uses.
    // (its exports map hides the bundle: found from the package's entry, script/index.js)
    ['webauthn.js', join(dirname(require.resolve('@simplewebauthn/browser')), '..', 'dist', 'bundle', 'index.umd.min.js'), 'text/javascript; charset=utf-8'],
  ]
  return new Map(files.map(([name, path, type]) => [name, { type, body: readFileSync(path) }]))
}
