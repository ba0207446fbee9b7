import type { Store } from '../store.js'
import { sqlAudit } from './audit.js'
import { sqlAuthorizationCodes } from './authorization-codes.js'
import { sqlClients } from './clients.js'
import { sqlConsents } from './consents.js'
import type { Db } from './db.js'
import { sqlKeys } from './keys.js'
import { sqlMfa } from './mfa.js'
import { sqlOneTimeTokens } from './one-time-tokens.js'
import { sqlOutbox } from './outbox.js'
import { sqlPasskeys } from './passkeys.js'
import { sqlSessions } from './sessions.js'
import { sqlUsers } from './users.js'

/** Every noun of the Store contract, written once over the dialect adapter `d`. */
export function sqlNouns(d: Db): Omit<Store, 'migrate' | 'ping' | 'close'> {
  return {
    ...sqlUsers(d),
    ...sqlSessions(d),
    ...sqlKeys(d),
    ...sqlOneTimeTokens(d),
    ...sqlOutbox(d),
    ...sqlAudit(d),
    ...sqlMfa(d),
    ...sqlPasskeys(d),
    ...sqlClients(d),
    ...sqlAuthorizationCodes(d),
    ...sqlConsents(d),
  }
}
