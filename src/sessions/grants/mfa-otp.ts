import { completeSecondFactor } from '../../authn/authenticate.js'
import { establishApiSession } from '../establish.js'
import type { Grant } from './grant.js'

/** The second step after 403 `mfa_required`: `mfa_token` and `otp` (or `recovery_code`) -> a session. */
export const mfaOtpGrant: Grant = {
  grantType: 'urn:gatehouse:grant-type:mfa-otp',
  parameters: { required: ['mfa_token'], optional: ['otp', 'recovery_code', 'scope'] },
  async handler(deps, params, meta) {
    const result = await completeSecondFactor(deps, { mfaToken: params.mfa_token!, otp: params.otp, recoveryCode: params.recovery_code }, meta)
    return establishApiSession(deps, result, params.scope, meta)
  },
}
