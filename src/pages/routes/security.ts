import type { FastifyInstance, FastifyRequest } from 'fastify'
import { changePassword } from '../../accounts/update.js'
import { clientMeta } from '../../http/auth.js'
import { passwordWork } from '../../http/password-work.js'
import { limit, RULES } from '../../http/rate-limit.js'
import { removePasskey, renamePasskey } from '../../passkeys/index.js'
import { confirmTotpEnrolment, disableTotp, regenerateRecoveryCodes, startTotpEnrolment } from '../../mfa/totp.js'
import { noticeFor } from '../notices.js'
import { html, type SafeHtml, trustedHtml } from '../html.js'
import { csrfField, field, formError, layout, notice } from '../layout.js'
import { checkForm, type FormErrors, formErrors, frameOf, type PageKit, pageState, requireSignedIn, sendPage, signedIn, text } from '../kit.js'
import { passkeySection } from './passkeys.js'
import { secondFactorFields, secondFactorInput } from './second-factor-fields.js'

const NOTICES: Readonly<Record<string, string>> = {
  password: 'Your password is changed. Your other sessions have ended.',
  mfa_enrol: 'Your role needs two-factor authentication: set it up below, then sign in again with the code to use it.',
  totp_off: 'Two-factor authentication is off.',
  passkey_renamed: 'The passkey is renamed.',
  passkey_removed: 'The passkey is removed.',
  passkey_added: 'The passkey is added: you can sign in with it now.',
}

type Section = 'password' | 'totp' | 'passkeys'
interface View {
  notice?: string | undefined
  errors?: { section: Section; errors: FormErrors }
  /** Shown once: the enrolment's QR code and secret, or the new recovery codes. */
  enrolment?: { secret: string; qrSvg: string }
  recoveryCodes?: string[]
}

/** /account/security: password change, TOTP (enrol with the QR code, confirm, recovery codes, turn off), passkeys (rename, remove; adding is passkeys.ts). */
export function registerSecurityPages(app: FastifyInstance, kit: PageKit): void {
  const { deps } = kit
  const byUser = (request: FastifyRequest) => signedIn(request).user.id
  const reauth = [requireSignedIn(), checkForm(kit), limit(deps, RULES.password), limit(deps, RULES.passwordUser, byUser), passwordWork(deps)]

  const page = async (request: FastifyRequest, v: View) => {
    const { user } = signedIn(request)
    const csrf = csrfField(pageState(request).csrf)
    const err = (s: Section) => (v.errors?.section === s ? v.errors.errors : undefined)
    return layout(frameOf(request), {
      title: 'Security',
      current: '/account/security',
      scripts: ['/account/assets/webauthn.js', '/account/assets/passkeys.js'],
      body: html`${notice(v.notice)}
<section aria-labelledby="pw-h"><h2 id="pw-h">Password</h2>
${formError(err('password')?.form)}
<form method="post" action="/account/security/password" novalidate>${csrf}
${field({ name: 'current_password', label: 'Current password', type: 'password', autocomplete: 'current-password', required: true, error: err('password')?.fields.current_password, idPrefix: 'pw' })}
${field({ name: 'new_password', label: 'New password', type: 'password', autocomplete: 'new-password', required: true, error: err('password')?.fields.new_password, idPrefix: 'pw' })}
${secondFactorFields(user, err('password'), 'pw')}
<button type="submit">Change password</button>
</form></section>
<section aria-labelledby="totp-h"><h2 id="totp-h">Two-factor authentication</h2>
${formError(err('totp')?.form)}
${totpSection(user.totpEnabled, csrf, v, err('totp'))}
</section>
${await passkeySection(deps, request, csrf, err('passkeys'))}`,
    })
  }

  app.get<{ Querystring: { notice?: string } }>(
    '/security',
    { schema: { hide: true }, preHandler: requireSignedIn() },
    async function security(request, reply) {
      return sendPage(reply, 200, await page(request, { notice: noticeFor(NOTICES, request.query.notice) }))
    },
  )

  app.post('/security/password', { schema: { hide: true }, preHandler: reauth }, async function passwordSubmit(request, reply) {
    const b = signedIn(request)
    try {
      const input = { current_password: text(request, 'current_password'), new_password: text(request, 'new_password'), ...secondFactorInput(request) }
      await changePassword(deps, b.user, b.session.id, input, clientMeta(request))
      return reply.redirect('/account/security?notice=password', 303)
    } catch (err) {
      const errors = formErrors(err, { wrong_password: 'current_password', wrong_otp: 'otp', mfa_required: 'otp' })
      return sendPage(reply, errors.status, await page(request, { errors: { section: 'password', errors } }))
    }
  })

  app.post('/security/totp', { schema: { hide: true }, preHandler: reauth }, async function totpStart(request, reply) {
    try {
      const e = await startTotpEnrolment(deps, signedIn(request).user, { password: text(request, 'password') }, clientMeta(request))
      return sendPage(reply, 200, await page(request, { enrolment: { secret: e.secret, qrSvg: e.qr_svg } }))
    } catch (err) {
      const errors = formErrors(err, { wrong_password: 'password' })
      return sendPage(reply, errors.status, await page(request, { errors: { section: 'totp', errors } }))
    }
  })

  app.post(
    '/security/totp/confirm',
    { schema: { hide: true }, preHandler: [requireSignedIn(), checkForm(kit), limit(deps, RULES.passwordUser, byUser)] },
    async function totpConfirm(request, reply) {
      try {
        const codes = await confirmTotpEnrolment(deps, signedIn(request).user, text(request, 'code').trim(), clientMeta(request))
        // Re-read: the page below shows MFA as on.
        const user = { ...signedIn(request).user, totpEnabled: true }
        request.page = { ...pageState(request), browser: { ...signedIn(request), user } }
        return sendPage(reply, 200, await page(request, { recoveryCodes: codes }))
      } catch (err) {
        const errors = formErrors(err, { invalid_confirmation_code: 'code', invalid_fields: 'code' })
        return sendPage(reply, errors.status, await page(request, { errors: { section: 'totp', errors }, enrolment: { secret: '', qrSvg: '' } }))
      }
    },
  )

  app.post('/security/totp/disable', { schema: { hide: true }, preHandler: reauth }, async function totpOff(request, reply) {
    try {
      await disableTotp(deps, signedIn(request).user, { password: text(request, 'password'), ...secondFactorInput(request) }, clientMeta(request))
      return reply.redirect('/account/security?notice=totp_off', 303)
    } catch (err) {
      const errors = formErrors(err, { wrong_password: 'password', wrong_otp: 'otp', mfa_required: 'otp' })
      return sendPage(reply, errors.status, await page(request, { errors: { section: 'totp', errors } }))
    }
  })

  app.post<{ Params: { id: string } }>(
    '/passkeys/:id/rename',
    { schema: { hide: true }, preHandler: [requireSignedIn(), checkForm(kit)] },
    async function renamePasskeyForm(request, reply) {
      try {
        await renamePasskey(deps, signedIn(request).user, request.params.id, text(request, 'name'), clientMeta(request))
        return reply.redirect('/account/security?notice=passkey_renamed', 303)
      } catch (err) {
        const errors = formErrors(err)
        return sendPage(reply, errors.status, await page(request, { errors: { section: 'passkeys', errors } }))
      }
    },
  )

  app.post<{ Params: { id: string } }>(
    '/passkeys/:id/remove',
    { schema: { hide: true }, preHandler: [requireSignedIn(), checkForm(kit)] },
    async function removePasskeyForm(request, reply) {
      try {
        await removePasskey(deps, signedIn(request).user, request.params.id, clientMeta(request))
        return reply.redirect('/account/security?notice=passkey_removed', 303)
      } catch (err) {
        const errors = formErrors(err)
        return sendPage(reply, errors.status, await page(request, { errors: { section: 'passkeys', errors } }))
      }
    },
  )

  app.post('/security/recovery-codes', { schema: { hide: true }, preHandler: reauth }, async function newCodes(request, reply) {
    try {
      const codes = await regenerateRecoveryCodes(
        deps,
        signedIn(request).user,
        { password: text(request, 'password'), ...secondFactorInput(request) },
        clientMeta(request),
      )
      return sendPage(reply, 200, await page(request, { recoveryCodes: codes }))
    } catch (err) {
      const errors = formErrors(err, { wrong_password: 'password', wrong_otp: 'otp', mfa_required: 'otp' })
      return sendPage(reply, errors.status, await page(request, { errors: { section: 'totp', errors } }))
    }
  })
}

function totpSection(enabled: boolean, csrf: SafeHtml, v: View, errors: FormErrors | undefined): SafeHtml {
  if (v.recoveryCodes) {
    return html`${notice('Two-factor authentication is on.')}
<p>Your recovery codes. Each works once, in place of a code, if you lose your device. Keep them somewhere safe: they are shown only now.</p>
<ul class="codes" aria-label="Recovery codes">${v.recoveryCodes.map((c) => html`<li><code>${c}</code></li>`)}</ul>
<p><a href="/account/security">Done</a></p>`
  }
  if (v.enrolment) {
    const { secret, qrSvg } = v.enrolment
    return html`${
      secret
        ? html`<p>Scan this code with your authenticator app, or type the key by hand.</p>
<figure class="qr">${trustedHtml(qrSvg)}<figcaption>Key: <code data-totp-secret>${secret}</code></figcaption></figure>`
        : html`<p>Type the code your authenticator app shows now for this account.</p>`
    }
<form method="post" action="/account/security/totp/confirm" novalidate>${csrf}
${field({ name: 'code', label: 'Code from the app', autocomplete: 'one-time-code', inputmode: 'numeric', required: true, error: errors?.fields.code, autofocus: true })}
<button type="submit">Confirm</button>
</form>`
  }
  if (!enabled) {
    return html`<p>Off. With it on, signing in also asks for a code from an authenticator app.</p>
<form method="post" action="/account/security/totp" novalidate>${csrf}
${field({ name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password', required: true, error: errors?.fields.password })}
<button type="submit">Set up two-factor authentication</button>
</form>`
  }
  const reauthFields = (
    idPrefix: string,
  ) => html`${field({ name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password', required: true, error: errors?.fields.password, idPrefix })}
${secondFactorFields({ totpEnabled: true }, errors, idPrefix)}`
  return html`<p>On: signing in asks for a code from your authenticator app.</p>
<details><summary>New recovery codes</summary>
<form method="post" action="/account/security/recovery-codes" novalidate>${csrf}${reauthFields('rc')}<button type="submit">Make new recovery codes</button></form></details>
<details${errors ? html` open` : ''}><summary>Turn it off</summary>
<form method="post" action="/account/security/totp/disable" novalidate>${csrf}${reauthFields('off')}<button type="submit" class="danger">Turn off two-factor authentication</button></form></details>`
}
