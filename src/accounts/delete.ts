import type { Deps } from '../deps.js'
import type { ClientMeta } from '../events/events.js'
import type { User } from '../store/store.js'
import { confirmPassword } from './update.js'

/** Deletes the account after re-authentication; its sessions go with it. */
export async function deleteAccount(
  deps: Pick<Deps, 'store' | 'hasher' | 'events' | 'limiter' | 'clock' | 'config'>,
  user: User,
  password: string,
  meta: ClientMeta,
): Promise<void> {
  await confirmPassword(deps, user.id, password, { meta, purpose: 'account_deletion' })
  if (await deps.store.deleteUser(user.id)) {
    await deps.events.record({ type: 'user.deleted', actorId: user.id, subjectId: user.id, meta, details: { username: user.username } })
  }
}
