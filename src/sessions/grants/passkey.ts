import { authenticateWithPasskey } from '../../passkeys/authentication.js'
import { establishApiSession } from '../establish.js'
import type { Grant } from './grant.js'

/**
 * A passkey sign-in: `response` is the assertion from `navigator.credentials.get()` (WebAuthn JSON;
 * the route passes a JSON body's object as text), for options from POST /passkeys/options.
 * A new session whose `amr` names the passkey (`hwk`/`swk`, `user`, and `mfa` with user verification).
 */
export const passkeyGrant: Grant = {
  grantType: 'urn:gatehouse:grant-type:passkey',
  parameters: { required: ['response'], optional: ['scope'] },
  async handler(deps, params, meta) {
    const result = await authenticateWithPasskey(deps, { response: params.response }, meta)
    return establishApiSession(deps, result, params.scope, meta)
  },
}
