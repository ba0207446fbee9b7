import type { Config } from '../config.js'
import type { ClientMeta, Events } from '../events/events.js'
import type { SecretBox } from '../crypto/secret-box.js'
import type { ChangeBus } from '../store/changes.js'
import type { KeyStore } from '../store/store.js'
import { KEY_RELOAD_MS } from './key-policy.js'
import { generateKeyRow, type KeyInfo, type KeyRing, keyState } from './keys.js'

type RotationDeps = {
  store: KeyStore
  keys: KeyRing
  config: Pick<Config, 'jwtAlg' | 'keyPublishLeadSeconds' | 'keyRotationIntervalSeconds'>
  clock: () => Date
  events: Events
  /** Seals the new private key at rest (ENCRYPTION_KEY). */
  secrets: SecretBox
}

/** HS256 keys come from JWT_SECRET: there is nothing stored to rotate. */
export class RotationUnsupportedError extends Error {
  constructor() {
    super('JWT_ALG=HS256 signs with JWT_SECRET; rotate by changing the secret (which ends every access token)')
    this.name = 'RotationUnsupportedError'
  }
}

/**
 * Adds a new key: published in JWKS at once, signing after KEY_PUBLISH_LEAD (so verifiers that
 * cached the key set already hold it), or at once with `immediately`. The key it replaces stops
 * signing then and stays published until every token it signed has expired. A `next` key still
 * waiting to sign is replaced (retired before it ever signs, audited in `replaced`): three
 * rotations in a row leave one next key that will sign, not three of which all but the last would
 * sign for a few milliseconds.
 * @returns the new key and the kids it replaced, or null when `ifNoKeyCreatedAfter` found a newer
 * key (another instance rotated).
 * @throws RotationUnsupportedError with HS256.
 */
export async function rotateSigningKey(
  deps: RotationDeps,
  opts: { immediately: boolean; actorId: string | null; meta?: ClientMeta; ifNoKeyCreatedAfter?: Date },
): Promise<(KeyInfo & { replaced: string[] }) | null> {
  const alg = deps.config.jwtAlg
  if (alg === 'HS256') throw new RotationUnsupportedError()
  const now = deps.clock()
  const activatesAt = new Date(now.getTime() + (opts.immediately ? 0 : deps.config.keyPublishLeadSeconds * 1000))
  const row = await generateKeyRow(alg, now, activatesAt, deps.secrets)
  // Decided under the store's keys lock: a next key activating within one key-ring reload of that
  // moment may already sign somewhere, so it is not "waiting", and is only retired.
  const added = await deps.store.addSigningKey(row, opts.ifNoKeyCreatedAfter, { clock: deps.clock, marginMs: KEY_RELOAD_MS })
  if (!added) return null
  await deps.keys.reload()
  await deps.events.record({
    type: 'key.rotated',
    actorId: opts.actorId,
    meta: opts.meta,
    details: { kid: row.kid, activates_at: activatesAt.toISOString(), automatic: opts.ifNoKeyCreatedAfter !== undefined, replaced: added.replaced },
  })
  return { kid: row.kid, alg, state: keyState(row, now), createdAt: now, activatesAt, retiresAt: null, replaced: added.replaced }
}

/**
 * Revokes a key at once (it leaked): deleted from the store, so it leaves the JWKS and every token
 * it signed fails verification, cached or not, here at once and on every other instance as soon as
 * the 'keys' change reaches it (the store publishes it on PostgreSQL; `bus`, when given, carries it
 * on SQLite too; without any bus, instances re-read the keys within KEY_RELOAD_MS). A key that
 * signs now is first replaced by a new key that signs at once, so signing never stops.
 * @returns false when no stored key has `kid`. @throws RotationUnsupportedError for the HS256 key.
 */
export async function revokeSigningKey(
  deps: RotationDeps & { bus?: ChangeBus | null },
  kid: string,
  opts: { actorId: string | null; meta?: ClientMeta },
): Promise<boolean> {
  if (deps.config.jwtAlg === 'HS256') {
    if (deps.keys.list(deps.clock()).some((k) => k.kid === kid)) throw new RotationUnsupportedError()
    return false
  }
  await deps.keys.reload()
  const now = deps.clock()
  const row = (await deps.store.listSigningKeys()).find((r) => r.kid === kid)
  if (!row) return false
  const state = keyState(row, now)
  const replacement = state === 'active' || deps.keys.signing(now)?.kid === kid ? await rotateSigningKey(deps, { immediately: true, ...opts }) : null
  if (!(await deps.store.deleteSigningKey(kid, deps.clock()))) return false
  await deps.keys.reload()
  deps.bus?.publish({ kind: 'keys' })
  await deps.events.record({
    type: 'key.revoked',
    actorId: opts.actorId,
    meta: opts.meta,
    details: { kid, state, replaced_by: replacement?.kid ?? null },
  })
  return true
}

/**
 * KEY_ROTATION_INTERVAL: rotates when the newest key is at least that old. Safe to call from every
 * instance on a timer: the store adds the key only if no other instance has meanwhile.
 * @returns the new key, or null when none was due.
 */
export async function rotateIfDue(deps: RotationDeps): Promise<KeyInfo | null> {
  const interval = deps.config.keyRotationIntervalSeconds
  if (interval === null || deps.config.jwtAlg === 'HS256') return null
  await deps.keys.reload()
  const now = deps.clock()
  const newest = Math.max(...deps.keys.list(now).map((k) => k.createdAt.getTime()))
  const dueBefore = new Date(now.getTime() - interval * 1000)
  if (newest > dueBefore.getTime()) return null
  return rotateSigningKey(deps, { immediately: false, actorId: null, ifNoKeyCreatedAfter: dueBefore })
}
