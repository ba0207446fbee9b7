import { processResetRequest, RESET_REQUEST } from '../accounts/password-reset.js'
import type { Deps } from '../deps/types.js'

/**
 * Background jobs and who runs them, registered where a serving instance is wired (server.ts,
 * createGatehouse, the test app): builders in deps/ never import services, so no cycle closes.
 */
export function registerJobHandlers(deps: Deps): void {
  deps.mail.handle(RESET_REQUEST, (data) => processResetRequest(deps, data))
}
