import type { JWK } from 'jose'
import type { JwtAlg } from '../config.js'
import type { KeyInfo, KeyRing } from './keys.js'

/**
 * The two rings over the one key table: `keys` signs access tokens (JWT_ALG), `idTokenKeys` signs
 * ID tokens with RS256, which OpenID Connect Core §15.1 requires of every provider. With
 * JWT_ALG=RS256 both names hold the same ring object.
 */
export interface KeyRings {
  keys: KeyRing
  idTokenKeys: KeyRing
}

/** Each ring once (with JWT_ALG=RS256 the two names are one ring), the access-token ring first. */
export const distinctRings = (r: KeyRings): KeyRing[] => (r.keys === r.idTokenKeys ? [r.keys] : [r.keys, r.idTokenKeys])

/** The ring that signs with `alg`, or null when neither does. */
export const ringOfAlg = (r: KeyRings, alg: string): KeyRing | null => distinctRings(r).find((k) => k.alg === alg) ?? null

/** The asymmetric algorithms the rings sign with: HS256 is JWT_SECRET, never stored nor rotated. */
export const storedAlgs = (r: KeyRings): Exclude<JwtAlg, 'HS256'>[] =>
  distinctRings(r)
    .map((k) => k.alg)
    .filter((a): a is Exclude<JwtAlg, 'HS256'> => a !== 'HS256')

export async function reloadRings(r: KeyRings): Promise<void> {
  await Promise.all(distinctRings(r).map((k) => k.reload()))
}

export async function refreshRings(r: KeyRings, maxAgeMs: number): Promise<void> {
  await Promise.all(distinctRings(r).map((k) => k.refresh(maxAgeMs)))
}

export function closeRings(r: KeyRings): void {
  for (const k of distinctRings(r)) k.close()
}

/** One list of several rings' items, each kid once (a kid is the key's RFC 7638 thumbprint). */
const byKidOnce = <T extends { kid?: string }>(items: T[]): T[] => {
  const seen = new Set<string | undefined>()
  return items.filter((i) => !seen.has(i.kid) && seen.add(i.kid))
}

/** RFC 7517 key set of both rings at `now`: what verifies access tokens and ID tokens alike. */
export const publishedJwks = (r: KeyRings, now: Date): { keys: JWK[] } => ({ keys: byKidOnce(distinctRings(r).flatMap((k) => k.jwks(now).keys)) })

/** Every key of both rings with its state at `now`: the access-token ring's first, each oldest first. */
export const listRingKeys = (r: KeyRings, now: Date): KeyInfo[] => byKidOnce(distinctRings(r).flatMap((k) => k.list(now)))
