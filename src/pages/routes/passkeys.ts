import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Deps } from '../../deps/types.js'
import { clientMeta } from '../../http/auth.js'
import { passwordWork } from '../../http/password-work.js'
import { limit, RULES } from '../../http/rate-limit.js'
import { PASSKEY_RULES } from '../../http/routes/passkeys.js'
import { addressKey } from '../../lib/client-address.js'
import { authenticateWithPasskey, listPasskeys, passkeyAuthenticationOptions, passkeyRegistrationOptions, registerPasskey } from '../../passkeys/index.js'
import { startBrowserSession } from '../browser-sign-in.js'
import { html, type SafeHtml } from '../html.js'
import { field, formError } from '../layout.js'
import { secondFactorFields } from './second-factor-fields.js'
import { checkForm, type FormErrors, type PageKit, requireSignedIn, safeReturnTo, signedIn } from '../kit.js'

type Json = Record<string, unknown> | undefined

/**
 * Passkeys on the pages: sign-in (the button and the browser's autofill, username-less), and
 * adding one on /account/security. These four are JSON calls from passkeys.js (a ceremony needs
 * script); CSRF-checked like forms (Origin and the token, in x-csrf-token). Renaming and removing
 * are plain forms, in security.ts.
 */
export function registerPasskeyPages(app: FastifyInstance, kit: PageKit): void {
  const { deps } = kit

  app.post('/login/passkey/options', { schema: { hide: true }, preHandler: [checkForm(kit), limit(deps, RULES.token)] }, async function signInOptions() {
    return passkeyAuthenticationOptions(deps, {})
  })

  app.post(
    '/login/passkey',
    { schema: { hide: true }, preHandler: [checkForm(kit), limit(deps, RULES.token)] },
    async function signInWithPasskey(request, reply) {
      const body = request.body as Json
      const authn = await authenticateWithPasskey(deps, { response: body?.response }, clientMeta(request))
      await startBrowserSession(kit, request, reply, authn)
      return { redirect: safeReturnTo(body?.return_to) }
    },
  )

  // Adding a passkey is as strong as turning two-factor authentication off: the password (and a
  // code) unless the session signed in within the last 5 minutes (with its second factor).
  const byUser = (request: FastifyRequest) => signedIn(request).user.id
  // The password limits count only requests that carry a password (as on the API): a person who
  // cancels the browser's passkey dialog a few times must not lock their own password changes.
  const withPassword = (request: FastifyRequest) => {
    const p = (request.body as Json)?.password
    return typeof p === 'string' && p !== ''
  }
  const reauth = [
    requireSignedIn(),
    checkForm(kit),
    limit(deps, PASSKEY_RULES.registration, byUser),
    limit(deps, RULES.password, (request) => (withPassword(request) ? addressKey(request.ip) : null)),
    limit(deps, RULES.passwordUser, (request) => (withPassword(request) ? byUser(request) : null)),
    passwordWork(deps, withPassword),
  ]
  app.post('/passkeys/options', { schema: { hide: true }, preHandler: reauth }, async function addOptions(request) {
    const { user, session } = signedIn(request)
    const body = request.body as Json
    const str = (k: string) => (typeof body?.[k] === 'string' && body[k] !== '' ? (body[k] as string) : undefined)
    const proof = { authTime: session.authTime, password: str('password'), otp: str('otp'), recoveryCode: str('recovery_code') }
    return passkeyRegistrationOptions(deps, user, proof, clientMeta(request))
  })

  app.post(
    '/passkeys',
    { schema: { hide: true }, preHandler: [requireSignedIn(), checkForm(kit), limit(deps, PASSKEY_RULES.registration, byUser)] },
    async function add(request, reply) {
      const body = request.body as Json
      const name = typeof body?.name === 'string' ? body.name : undefined
      return reply.code(201).send(await registerPasskey(deps, signedIn(request).user, { name, response: body?.response }, clientMeta(request)))
    },
  )
}

/** The passkeys part of /account/security: each one with rename and remove forms, and the add button (script). */
export async function passkeySection(deps: Deps, request: FastifyRequest, csrf: SafeHtml, errors: FormErrors | undefined): Promise<SafeHtml> {
  const { user } = signedIn(request)
  const passkeys = await listPasskeys(deps, user)
  const available = deps.config.webauthn !== null
  return html`<section aria-labelledby="pk-h"><h2 id="pk-h">Passkeys</h2>
${formError(errors?.form)}
<p>Sign in with your fingerprint, face or device PIN instead of typing a password.${available ? '' : ' Passkeys are not set up on this server (WEBAUTHN_RP_ID).'}</p>
${
  passkeys.length === 0
    ? html`<p class="empty">No passkeys yet.</p>`
    : html`<ul class="cards">${passkeys.map(
        (p, i) => html`<li>
<p><strong>${p.name}</strong></p>
<p class="meta">added <time datetime="${p.created_at}">${p.created_at.slice(0, 10)}</time> · ${p.last_used_at ? html`last used <time datetime="${p.last_used_at}">${p.last_used_at.slice(0, 10)}</time>` : 'not used yet'}${p.backed_up ? ' · synced' : ''}</p>
<form method="post" action="/account/passkeys/${p.id}/rename" class="rename" novalidate>${csrf}
${field({ name: 'name', label: 'Name', value: p.name, idPrefix: `pk${i}`, error: errors?.fields.name })}
<button type="submit" class="secondary">Rename</button></form>
<form method="post" action="/account/passkeys/${p.id}/remove" class="inline">${csrf}<button type="submit" class="danger" aria-label="Remove passkey ${p.name}">Remove</button></form>
</li>`,
      )}</ul>`
}
${
  available
    ? html`<div data-passkey-add hidden>
${field({ name: 'passkey_name', label: 'Name for a new passkey (optional)', hint: 'For example the device it lives on.' })}
${field({ name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password', idPrefix: 'pk', hint: 'To confirm it is you (not needed within 5 minutes of signing in).' })}
${secondFactorFields(user, undefined, 'pk')}
<button type="button">Add a passkey</button>
<p class="error" data-passkey-error role="alert" hidden></p>
</div>
<noscript><p>Adding a passkey needs JavaScript: your browser asks your device to make one.</p></noscript>`
    : ''
}
</section>`
}
