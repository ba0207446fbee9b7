import type { Config } from '../config.js'
import type { ClientMeta, Events } from '../events/events.js'
import type { KeyStore } from '../store/store.js'
import { generateKeyRow, type KeyInfo, type KeyRing, keyState } from './keys.js'

type RotationDeps = {
  store: KeyStore
  keys: KeyRing
  config: Pick<Config, 'jwtAlg' | 'keyPublishLeadSeconds' | 'keyRotationIntervalSeconds'>
  clock: () => Date
  events: Events
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
 * signing then and stays published until every token it signed has expired.
 * @returns the new key, or null when `ifNoKeyCreatedAfter` found a newer key (another instance rotated).
 * @throws RotationUnsupportedError with HS256.
 */
export async function rotateSigningKey(
  deps: RotationDeps,
  opts: { immediately: boolean; actorId: string | null; meta?: ClientMeta; ifNoKeyCreatedAfter?: Date },
): Promise<KeyInfo | null> {
  const alg = deps.config.jwtAlg
  if (alg === 'HS256') throw new RotationUnsupportedError()
  const now = deps.clock()
  const activatesAt = new Date(now.getTime() + (opts.immediately ? 0 : deps.config.keyPublishLeadSeconds * 1000))
  const row = await generateKeyRow(alg, now, activatesAt)
  if (!(await deps.store.addSigningKey(row, opts.ifNoKeyCreatedAfter))) return null
  await deps.keys.reload()
  await deps.events.record({
    type: 'key.rotated',
    actorId: opts.actorId,
    meta: opts.meta,
    details: { kid: row.kid, activates_at: activatesAt.toISOString(), automatic: opts.ifNoKeyCreatedAfter !== undefined },
  })
  return { kid: row.kid, alg, state: keyState(row, now), createdAt: now, activatesAt, retiresAt: null }
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
