import type { Deps } from '../deps.js'
import type { User } from '../store/store.js'
import { confirmPassword } from './update.js'

/** Deletes the account after re-authentication; its sessions go with it. */
export async function deleteAccount(deps: Pick<Deps, 'store' | 'hasher'>, user: User, password: string): Promise<void> {
  await confirmPassword(deps, user.id, password)
  await deps.store.deleteUser(user.id)
}
