// One suite for every Store back end, one part per noun: the only way two back ends stay in step.
import { auditStoreContract } from './contract/audit.js'
import { authorizationCodeStoreContract } from './contract/authorization-codes.js'
import { clientStoreContract } from './contract/clients.js'
import { consentStoreContract } from './contract/consents.js'
import type { Open } from './contract/helpers.js'
import { keyStoreContract } from './contract/keys.js'
import { mfaStoreContract } from './contract/mfa.js'
import { oneTimeTokenStoreContract } from './contract/one-time-tokens.js'
import { outboxStoreContract } from './contract/outbox.js'
import { passkeyStoreContract } from './contract/passkeys.js'
import { sessionStoreContract } from './contract/sessions.js'
import { userStoreContract } from './contract/users.js'

export function storeContract(name: string, open: Open): void {
  userStoreContract(name, open)
  sessionStoreContract(name, open)
  keyStoreContract(name, open)
  oneTimeTokenStoreContract(name, open)
  auditStoreContract(name, open)
  outboxStoreContract(name, open)
  mfaStoreContract(name, open)
  passkeyStoreContract(name, open)
  clientStoreContract(name, open)
  authorizationCodeStoreContract(name, open)
  consentStoreContract(name, open)
}
