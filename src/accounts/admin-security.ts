import { unlock } from '../authn/throttle.js'
import type { Deps } from '../deps/types.js'
import { mfaNotEnabled } from '../errors.js'
import { resetMfa } from '../mfa/totp.js'
import { type Actor, findUserOr404 } from './admin.js'

/** An admin removes a user's second factor (a lost phone): audited as `mfa.reset`. @throws not_found, mfa_not_enabled. */
export async function adminResetMfa(deps: Pick<Deps, 'store' | 'events' | 'clock'>, id: string, actor: Actor): Promise<void> {
  const user = await findUserOr404(deps, id)
  if (!(await resetMfa(deps, user, actor.actorId, actor.meta))) throw mfaNotEnabled()
}

/** An admin lifts a user's sign-in and re-authentication back-off at once: audited as `user.unlocked`. */
export async function adminUnlockUser(deps: Pick<Deps, 'store' | 'events' | 'clock' | 'limiter' | 'config'>, id: string, actor: Actor): Promise<void> {
  const user = await findUserOr404(deps, id)
  await unlock(deps, user)
  await deps.events.record({ type: 'user.unlocked', actorId: actor.actorId, subjectId: user.id, meta: actor.meta, details: { username: user.username } })
}
