import { authorizationCodeGrant } from './authorization-code.js'
import { clientCredentialsGrant } from './client-credentials.js'
import type { Grant } from './grant.js'
import { mfaOtpGrant } from './mfa-otp.js'
import { passkeyGrant } from './passkey.js'
import { passwordGrant } from './password.js'
import { refreshTokenGrant } from './refresh-token.js'

export type { Grant, GrantDeps, GrantParams } from './grant.js'

/** grant_type -> grant. A new grant is a new file and one line here (discovery reads this map). */
export const GRANTS: ReadonlyMap<string, Grant> = new Map(
  [passwordGrant, mfaOtpGrant, refreshTokenGrant, passkeyGrant, authorizationCodeGrant, clientCredentialsGrant].map((g) => [g.grantType, g]),
)
