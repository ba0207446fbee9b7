import type { Deps } from '../../deps/types.js'
import type { ClientMeta } from '../../events/events.js'
import type { TokenResponse } from '../issue-tokens.js'

/** The token endpoint's parameters as received (form or JSON); each grant reads its own. */
export type GrantParams = Readonly<Record<string, string | undefined>>

export type GrantDeps = Pick<Deps, 'store' | 'hasher' | 'secrets' | 'keys' | 'tokens' | 'clock' | 'config' | 'events' | 'limiter'>

/**
 * One grant type of POST /token (node-oidc-provider's shape): its name, the parameters it reads,
 * and its handler. The route checks `required` (422 naming each missing one) before calling it.
 */
export interface Grant {
  grantType: string
  parameters: { required: readonly string[]; optional: readonly string[] }
  handler(deps: GrantDeps, params: GrantParams, meta: ClientMeta): Promise<TokenResponse>
}
