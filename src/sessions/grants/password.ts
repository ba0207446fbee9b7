import { authenticateWithPassword } from '../../authn/authenticate.js'
import { mfaRequired } from '../../errors.js'
import { establishApiSession } from '../establish.js'
import type { Grant } from './grant.js'

/**
 * RFC 6749 §4.3: username + password (+ `otp` or `recovery_code` for a user with MFA) -> a new
 * session. A thin adapter: authn/ decides who it is, sessions/establish.ts opens the session.
 * Without the second factor, 403 `mfa_required` with an `mfa_token` for the MFA grant, and only
 * after the right password.
 */
export const passwordGrant: Grant = {
  grantType: 'password',
  parameters: { required: ['username', 'password'], optional: ['scope', 'otp', 'recovery_code'] },
  async handler(deps, params, meta) {
    const result = await authenticateWithPassword(
      deps,
      { username: params.username!, password: params.password!, otp: params.otp, recoveryCode: params.recovery_code },
      meta,
    )
    if (result.kind === 'mfa_required') {
      await deps.events.record({ type: 'login.mfa_required', subjectId: result.user.id, meta, details: { username: result.user.username } })
      throw mfaRequired(result.challenge)
    }
    return establishApiSession(deps, result, params.scope, meta)
  },
}
