import type { Deps } from '../deps/types.js'
import { lastAdminCannotDelete, serverBusy } from '../errors.js'
import { type ClientMeta, recordWith } from '../events/events.js'
import type { User } from '../store/store.js'
import { scopesForRoles } from './scopes.js'
import { confirmPassword, type ReauthInput } from './update.js'
import { usernameKey } from './username.js'

type DeleteDeps = Pick<Deps, 'store' | 'hasher' | 'secrets' | 'events' | 'limiter' | 'clock' | 'config'>

/** One admin deleting themselves at a time, across everyone sharing the limiter (Redis, WORKERS). */
const ADMIN_SELF_DELETE_SLOT = 'admin-self-delete'

/**
 * Deletes the account after re-authentication; its sessions go with it. The last enabled admin
 * cannot (400, nothing changes): nobody could administer Gatehouse afterwards. Two last admins
 * deleting themselves at once take turns through one limiter slot, so the second sees that the
 * first is gone. That is atomic across instances sharing the limiter (RATE_LIMIT=on: Redis, or a
 * machine's workers); without one (RATE_LIMIT=off, or several instances without Redis) the check
 * is best effort: an atomic conditional delete belongs in the store.
 */
export async function deleteAccount(deps: DeleteDeps, user: User, secret: ReauthInput, meta: ClientMeta): Promise<void> {
  await confirmPassword(deps, user, secret, { meta, purpose: 'account_deletion' })
  if (!isAdmin(deps, user)) return remove(deps, user, meta)
  const holder = await takeSlot(deps)
  try {
    const current = await deps.store.findUserById(user.id)
    if (current && isAdmin(deps, current) && !(await anotherAdmin(deps, user.id))) throw lastAdminCannotDelete()
    await remove(deps, user, meta)
  } finally {
    await deps.limiter.release(ADMIN_SELF_DELETE_SLOT, holder)
  }
}

async function remove(deps: DeleteDeps, user: User, meta: ClientMeta): Promise<void> {
  const event = { type: 'user.deleted', actorId: user.id, subjectId: user.id, meta, details: { username: user.username } } as const
  await recordWith(deps.events, event, (audit) => deps.store.deleteUser(user.id, audit), Boolean)
}

const isAdmin = (deps: Pick<Deps, 'config'>, u: User) => !u.disabled && scopesForRoles(deps.config.roleScopes, u.roles).includes('admin')

/** Whether an enabled admin other than `id` exists (pages through the users: admins deleting themselves are rare). */
async function anotherAdmin(deps: DeleteDeps, id: string): Promise<boolean> {
  let after: string | undefined
  for (;;) {
    const page = await deps.store.listUsers({ afterUsernameKey: after, limit: 200 })
    if (page.some((u) => u.id !== id && isAdmin(deps, u))) return true
    if (page.length < 200) return false
    after = usernameKey(page.at(-1)!.username)
  }
}

/** Waits up to about a second for the slot (it frees itself after 10 s should its holder crash). */
async function takeSlot(deps: DeleteDeps): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const holder = await deps.limiter.reserve(ADMIN_SELF_DELETE_SLOT, 10)
    if (holder !== null) return holder
    await new Promise((r) => setTimeout(r, 20))
  }
  throw serverBusy()
}
