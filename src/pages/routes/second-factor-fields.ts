import type { FastifyRequest } from 'fastify'
import type { User } from '../../store/store.js'
import { html, type SafeHtml } from '../html.js'
import { type FormErrors, text } from '../kit.js'
import { field } from '../layout.js'

/** With MFA on, a sensitive change also asks for the current code (or a recovery code), as the API does. */
export function secondFactorFields(user: Pick<User, 'totpEnabled'>, errors: FormErrors | undefined, idPrefix = 'f'): SafeHtml {
  if (!user.totpEnabled) return html``
  return html`${field({ name: 'otp', label: 'Authentication code', autocomplete: 'one-time-code', inputmode: 'numeric', error: errors?.fields.otp, hint: 'From your authenticator app.', idPrefix })}
${field({ name: 'recovery_code', label: 'Or a recovery code', autocomplete: 'off', error: errors?.fields.recovery_code, idPrefix })}`
}

/** The re-authentication's second factor, as the API takes it: a code, or a recovery code. */
export function secondFactorInput(request: FastifyRequest): { otp?: string; recovery_code?: string } {
  const otp = text(request, 'otp').trim()
  const recovery = text(request, 'recovery_code').trim()
  if (recovery) return { recovery_code: recovery }
  return otp ? { otp } : {}
}
