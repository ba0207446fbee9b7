import type { Config, JwtAlg } from '../config.js'
import type { ClientMeta, Events } from '../events/events.js'
import type { SecretBox } from '../crypto/secret-box.js'
import type { ChangeBus } from '../store/changes.js'
import type { KeyStore } from '../store/store.js'
import { KEY_RELOAD_MS } from './key-policy.js'
import { distinctRings, type KeyRings, reloadRings, ringOfAlg } from './key-rings.js'
import { generateKeyRow, type KeyInfo, type KeyRing, keyState } from './keys.js'

type RotationDeps = KeyRings & {
  store: KeyStore
  config: Pick<Config, 'jwtAlg' | 'keyPublishLeadSeconds' | 'keyRotationIntervalSeconds'>
  clock: () => Date
  events: Events
  /** Seals the new private key at rest (ENCRYPTION_KEY). */
  secrets: SecretBox
}

/** A key rotation added, with the kids of the next keys it replaced. */
export type RotatedKey = KeyInfo & { replaced: string[] }

/** HS256 keys come from JWT_SECRET: there is nothing stored to rotate. */
export class RotationUnsupportedError extends Error {
  constructor() {
    super('JWT_ALG=HS256 signs access tokens with JWT_SECRET; rotate it by changing the secret (which ends every access token)')
    this.name = 'RotationUnsupportedError'
  }
}

/** An algorithm neither ring signs with (JWT_ALG for access tokens, RS256 for ID tokens). */
export class KeyAlgNotInUseError extends Error {
  constructor(readonly alg: string) {
    super(`no key ring signs with ${alg}: the rings sign with JWT_ALG (access tokens) and RS256 (ID tokens)`)
    this.name = 'KeyAlgNotInUseError'
  }
}

const ringFor = (deps: KeyRings, alg: JwtAlg): KeyRing => {
  const ring = ringOfAlg(deps, alg)
  if (!ring) throw new KeyAlgNotInUseError(alg)
  return ring
}

/**
 * Adds a new key to the ring of `alg` (default JWT_ALG, the access-token ring; RS256 is the
 * ID-token ring): published in JWKS at once, signing after KEY_PUBLISH_LEAD (so verifiers that
 * cached the key set already hold it), or at once with `immediately`. The key it replaces stops
 * signing then and stays published until every token it signed has expired. A `next` key still
 * waiting to sign is replaced (retired before it ever signs, audited in `replaced`): three
 * rotations in a row leave one next key that will sign, not three of which all but the last would
 * sign for a few milliseconds.
 * @returns the new key and the kids it replaced, or null when `ifNoKeyCreatedAfter` found a newer
 * key of that alg (another instance rotated).
 * @throws RotationUnsupportedError for HS256; KeyAlgNotInUseError for an alg neither ring uses.
 */
export async function rotateSigningKey(
  deps: RotationDeps,
  opts: { immediately: boolean; actorId: string | null; meta?: ClientMeta; ifNoKeyCreatedAfter?: Date; alg?: JwtAlg },
): Promise<RotatedKey | null> {
  const ring = ringFor(deps, opts.alg ?? deps.config.jwtAlg)
  const alg = ring.alg
  if (alg === 'HS256') throw new RotationUnsupportedError()
  const now = deps.clock()
  const activatesAt = new Date(now.getTime() + (opts.immediately ? 0 : deps.config.keyPublishLeadSeconds * 1000))
  const row = await generateKeyRow(alg, now, activatesAt, deps.secrets)
  // Decided under the store's keys lock: a next key activating within one key-ring reload of that
  // moment may already sign somewhere, so it is not "waiting", and is only retired.
  const added = await deps.store.addSigningKey(row, opts.ifNoKeyCreatedAfter, { clock: deps.clock, marginMs: KEY_RELOAD_MS })
  if (!added) return null
  await ring.reload()
  await deps.events.record({
    type: 'key.rotated',
    actorId: opts.actorId,
    meta: opts.meta,
    details: { kid: row.kid, alg, activates_at: activatesAt.toISOString(), automatic: opts.ifNoKeyCreatedAfter !== undefined, replaced: added.replaced },
  })
  return { kid: row.kid, alg, state: keyState(row, now), createdAt: now, activatesAt, retiresAt: null, replaced: added.replaced }
}

/**
 * `keys rotate`: rotates both rings, the access-token key and the ID-token key (one rotation when
 * JWT_ALG=RS256, where they are one ring: both results are then the same key). With HS256
 * nothing is rotated (the access-token key is JWT_SECRET; rotate the ID-token key alone with
 * rotateSigningKey and alg RS256), so a refusal never follows half a rotation.
 * @throws RotationUnsupportedError with HS256.
 */
export async function rotateSigningKeys(
  deps: RotationDeps,
  opts: { immediately: boolean; actorId: string | null; meta?: ClientMeta },
): Promise<{ access: RotatedKey; idToken: RotatedKey }> {
  if (deps.keys.alg === 'HS256') throw new RotationUnsupportedError()
  const access = (await rotateSigningKey(deps, { ...opts, alg: deps.keys.alg }))!
  const idToken = deps.idTokenKeys === deps.keys ? access : (await rotateSigningKey(deps, { ...opts, alg: deps.idTokenKeys.alg }))!
  return { access, idToken }
}

/**
 * Revokes a key of either ring at once (it leaked): deleted from the store, so it leaves the JWKS
 * and every token it signed fails verification, cached or not, here at once and on every other
 * instance as soon as the 'keys' change reaches it (the store publishes it on PostgreSQL; `bus`,
 * when given, carries it on SQLite too; without any bus, instances re-read the keys within
 * KEY_RELOAD_MS). A key that signs now is first replaced by a new key of its ring that signs at
 * once, so signing never stops. A stored key of an algorithm no ring uses any more (JWT_ALG
 * changed) is just deleted.
 * @returns false when no stored key has `kid`. @throws RotationUnsupportedError for the HS256 key.
 */
export async function revokeSigningKey(
  deps: RotationDeps & { bus?: ChangeBus | null },
  kid: string,
  opts: { actorId: string | null; meta?: ClientMeta },
): Promise<boolean> {
  if (deps.keys.alg === 'HS256' && deps.keys.list(deps.clock()).some((k) => k.kid === kid)) throw new RotationUnsupportedError()
  await reloadRings(deps)
  const now = deps.clock()
  const row = (await deps.store.listSigningKeys()).find((r) => r.kid === kid)
  if (!row) return false
  const state = keyState(row, now)
  const ring = ringOfAlg(deps, row.alg)
  const signs = ring !== null && (state === 'active' || ring.signing(now)?.kid === kid)
  const replacement = signs ? await rotateSigningKey(deps, { immediately: true, alg: ring.alg, ...opts }) : null
  if (!(await deps.store.deleteSigningKey(kid, deps.clock()))) return false
  await reloadRings(deps)
  deps.bus?.publish({ kind: 'keys' })
  await deps.events.record({
    type: 'key.revoked',
    actorId: opts.actorId,
    meta: opts.meta,
    details: { kid, alg: row.alg, state, replaced_by: replacement?.kid ?? null },
  })
  return true
}

/**
 * KEY_ROTATION_INTERVAL: rotates each ring whose newest key is at least that old (the ID-token
 * ring too with HS256, whose access-token key is not stored). Safe to call from every instance on
 * a timer: the store adds a key only if no other instance has meanwhile.
 * @returns the new keys, none when none was due.
 */
export async function rotateIfDue(deps: RotationDeps): Promise<RotatedKey[]> {
  const interval = deps.config.keyRotationIntervalSeconds
  if (interval === null) return []
  const rotated: RotatedKey[] = []
  for (const ring of distinctRings(deps)) {
    if (ring.alg === 'HS256') continue
    await ring.reload()
    const now = deps.clock()
    const newest = Math.max(...ring.list(now).map((k) => k.createdAt.getTime()))
    const dueBefore = new Date(now.getTime() - interval * 1000)
    if (newest > dueBefore.getTime()) continue
    const key = await rotateSigningKey(deps, { immediately: false, actorId: null, ifNoKeyCreatedAfter: dueBefore, alg: ring.alg })
    if (key) rotated.push(key)
  }
  return rotated
}
