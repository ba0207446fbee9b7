import type { Deps } from '../../deps/types.js'
import type { ClientMeta } from '../../events/events.js'
import type { ClientCredentials } from '../../oidc/client-auth.js'
import type { TokenResponse } from '../issue-tokens.js'

/** The token endpoint's parameters as received (form or JSON); each grant reads its own. */
export type GrantParams = Readonly<Record<string, string | undefined>>

export type GrantDeps = Pick<Deps, 'store' | 'hasher' | 'secrets' | 'keys' | 'idTokenKeys' | 'tokens' | 'clock' | 'config' | 'events' | 'limiter'>

/**
 * One grant type of POST /token (node-oidc-provider's shape): its name, the parameters it reads,
 * and its handler. The route checks `required` (422 naming each missing one) before calling it.
 * `client`: the grant reads client credentials (`client_secret_basic`, `client_secret_post` or a
 * public client's `client_id`), which the route then hands it; the tutorial's grants (password,
 * MFA, passkey) take none, so a client_id they send is ignored as FastAPI's form ignores it.
 */
export interface Grant {
  grantType: string
  parameters: { required: readonly string[]; optional: readonly string[] }
  client?: true
  handler(deps: GrantDeps, params: GrantParams, meta: ClientMeta, client: ClientCredentials | null): Promise<TokenResponse>
}
