import type { Deps } from '../deps/types.js'
import { cannotChangeOwnAccess, emailTaken, type FieldProblem, invalidField, invalidFields, notFound, problemsOf } from '../errors.js'
import { type ClientMeta, recordWith } from '../events/events.js'
import { endAllSessions } from '../sessions/end.js'
import { StoreConflictError, type User, type UserPatch } from '../store/store.js'
import { emailFromInput } from './username.js'
import { scopesForRoles } from './scopes.js'
import { usernameKey } from './username.js'

type AdminDeps = Pick<Deps, 'store' | 'clock' | 'events' | 'config'>

/** Who is acting: an admin (their user id) or the CLI (null). */
export interface Actor {
  actorId: string | null
  meta: ClientMeta
}

export interface AdminUserPatch {
  disabled?: boolean
  roles?: string[]
  email?: string | null
  email_verified?: boolean
}

// The cursor is the last username key of a page, opaque to clients (base64url).
const encodeCursor = (key: string) => Buffer.from(key, 'utf8').toString('base64url')
function decodeCursor(cursor: string): string {
  const key = Buffer.from(cursor, 'base64url').toString('utf8')
  if (key === '' || encodeCursor(key) !== cursor) throw invalidField(['query', 'cursor'], 'Invalid cursor')
  return key
}

/** One page of users in username order; following `nextCursor` visits every user exactly once. */
export async function listUsersPage(
  deps: Pick<Deps, 'store'>,
  q: { q?: string; limit: number; cursor?: string },
): Promise<{ users: User[]; nextCursor: string | null }> {
  const prefix = q.q?.normalize('NFKC').trim().toLowerCase() || undefined
  const after = q.cursor ? decodeCursor(q.cursor) : undefined
  const rows = await deps.store.listUsers({ prefix, afterUsernameKey: after, limit: q.limit + 1 })
  const users = rows.slice(0, q.limit)
  const more = rows.length > q.limit
  return { users, nextCursor: more ? encodeCursor(usernameKey(users.at(-1)!.username)) : null }
}

export async function findUserOr404(deps: Pick<Deps, 'store'>, id: string): Promise<User> {
  const user = await deps.store.findUserById(id)
  if (!user) throw notFound()
  return user
}

/**
 * Changes a user's status, roles or email. Disabling ends every session at once (and the guard
 * refuses a disabled user's tokens on the next request anyway). An admin cannot disable, delete
 * or demote themselves: that is how the last admin locks everyone out.
 */
export async function adminUpdateUser(deps: AdminDeps, id: string, patch: AdminUserPatch, actor: Actor): Promise<User> {
  const user = await findUserOr404(deps, id)
  if (Object.keys(patch).length === 0) {
    // Unknown fields are dropped (as FastAPI does), so {"username": ...} arrives empty: say so, change nothing.
    throw invalidField(['body'], 'Give at least one of disabled, roles, email, email_verified')
  }
  const issues: FieldProblem[] = []
  const storePatch: UserPatch = {}
  if (patch.roles !== undefined) {
    const unknown = patch.roles.filter((r) => !Object.hasOwn(deps.config.roleScopes, r))
    if (unknown.length > 0) issues.push({ loc: ['body', 'roles'], msg: `Unknown role: ${unknown.join(', ')}`, type: 'value_error' })
    storePatch.roles = [...new Set(patch.roles)]
  }
  if (patch.email !== undefined) {
    try {
      storePatch.email = emailFromInput(patch.email)
    } catch (err) {
      const problems = problemsOf(err)
      if (problems) issues.push(...problems)
      else throw err
    }
  }
  if (issues.length > 0) throw invalidFields(issues)
  if (patch.disabled !== undefined) storePatch.disabled = patch.disabled
  if (patch.email_verified !== undefined) storePatch.emailVerified = patch.email_verified
  else if (storePatch.email && storePatch.email.email !== user.email) storePatch.emailVerified = false
  if (storePatch.email) storePatch.pendingEmail = null
  if (actor.actorId === id && (patch.disabled === true || (storePatch.roles && !scopesForRoles(deps.config.roleScopes, storePatch.roles).includes('admin')))) {
    throw cannotChangeOwnAccess()
  }
  let updated: User | null
  try {
    const details = {
      fields: Object.keys(patch).sort(),
      roles: storePatch.roles ?? user.roles,
      disabled: storePatch.disabled ?? user.disabled,
      email_verified: storePatch.emailVerified ?? user.emailVerified,
    }
    const event = { type: 'user.updated', actorId: actor.actorId, subjectId: id, meta: actor.meta, details } as const
    updated = await recordWith(
      deps.events,
      event,
      (audit) => deps.store.updateUser(id, storePatch, deps.clock(), audit),
      (u) => u !== null,
    )
  } catch (err) {
    if (err instanceof StoreConflictError) throw emailTaken()
    throw err
  }
  if (!updated) throw notFound()
  // Links sent to the old address, or for a change the admin just overrode, die.
  if (storePatch.email && storePatch.email.email !== user.email) await deps.store.deleteOneTimeTokens(id, ['password_reset', 'verify_email'])
  if (patch.disabled === true && !user.disabled) await endAllSessions(deps, id, { actorId: actor.actorId, meta: actor.meta, reason: 'disabled' })
  return updated
}

/** Deletes a user with every session; their tokens fail at the guard on the next request. */
export async function adminDeleteUser(deps: AdminDeps, id: string, actor: Actor): Promise<void> {
  if (actor.actorId === id) throw cannotChangeOwnAccess()
  const user = await findUserOr404(deps, id)
  const event = { type: 'user.deleted', actorId: actor.actorId, subjectId: id, meta: actor.meta, details: { username: user.username } } as const
  if (!(await recordWith(deps.events, event, (audit) => deps.store.deleteUser(id, audit), Boolean))) throw notFound()
}
