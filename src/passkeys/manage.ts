import { invalidField, notFound, passkeyLastWayIn } from '../errors.js'
import { type ClientMeta, recordWith } from '../events/events.js'
import type { User } from '../store/store.js'
import { cleanName, type PasskeyDeps, type PasskeyView, toPasskeyView } from './common.js'

/**
 * A user's own passkeys: list, rename, remove. These work while passkeys are off too (a changed
 * WEBAUTHN_RP_ID leaves passkeys nobody can use: their owners can still see and remove them).
 * Another user's passkey id is "not found", so ids are not confirmed to strangers.
 */

type Owner = Pick<User, 'id'>

export async function listPasskeys(deps: Pick<PasskeyDeps, 'store'>, user: Owner): Promise<PasskeyView[]> {
  return (await deps.store.listPasskeys(user.id)).map(toPasskeyView)
}

/** @throws DomainError invalid_fields (an empty name), not_found. */
export async function renamePasskey(deps: PasskeyDeps, user: Owner, id: string, name: string, meta: ClientMeta): Promise<PasskeyView> {
  const clean = cleanName(name)
  if (!clean) throw invalidField(['body', 'name'], 'String should have at least 1 character', 'string_too_short')
  const event = { type: 'passkey.renamed', actorId: user.id, subjectId: user.id, meta, details: { passkey_id: id } } as const
  const renamed = await recordWith(deps.events, event, (audit) => deps.store.renamePasskey(user.id, id, clean, audit), Boolean)
  if (!renamed) throw notFound()
  return toPasskeyView(renamed)
}

/**
 * Whether `user` may remove one of their passkeys and still have a way in. Every Gatehouse account
 * has a password today (sign-up requires one, and nothing removes it), so the answer is always yes.
 * If password-less accounts come (sign-up with a passkey alone), this is the rule to change: the
 * last passkey of an account without a password must stay (or the account has no way in but a
 * password reset by email, if it has a verified address).
 */
export function mayRemovePasskey(_user: Owner, _passkeysLeft: number): boolean {
  return true
}

/** @throws DomainError not_found (none of the user's has that id), passkey_last_way_in (see mayRemovePasskey). */
export async function removePasskey(deps: PasskeyDeps, user: Owner, id: string, meta: ClientMeta): Promise<void> {
  const mine = await deps.store.listPasskeys(user.id)
  if (!mine.some((p) => p.id === id)) throw notFound()
  if (!mayRemovePasskey(user, mine.length - 1)) throw passkeyLastWayIn()
  const event = { type: 'passkey.removed', actorId: user.id, subjectId: user.id, meta, details: { passkey_id: id } } as const
  if (!(await recordWith(deps.events, event, (audit) => deps.store.deletePasskey(user.id, id, audit), Boolean))) throw notFound()
}
