import { createHash } from 'node:crypto'
import type { WebauthnSettings } from '../config.js'
import type { Deps } from '../deps/types.js'
import { passkeysUnavailable } from '../errors.js'
import type { Passkey } from '../store/store.js'

/** What the passkey services take: no HTTP, so the API routes and the account pages call them alike. */
export type PasskeyDeps = Pick<Deps, 'store' | 'config' | 'clock' | 'events' | 'limiter' | 'passkeySignInChallengeCap'>

/** A ceremony's challenge lives this long (the browser's own timeout is the same), and is spent by its first use. */
export const CHALLENGE_SECONDS = 180
/**
 * Live sign-in challenges at most (each ~200 bytes; `deps.passkeySignInChallengeCap` overrides it).
 * Past it the oldest are evicted, never a refusal: a flood costs its own oldest challenges, and an
 * honest ceremony only when the cap's worth of newer challenges is issued before it is answered.
 * A person who answers within T seconds is safe from any flood slower than cap / T challenges a
 * second: with 10,000 and 30 a minute per address, 20 s needs 500 a second, from 1,000 addresses.
 * One who is evicted gets a 401 `invalid_grant` once, and a retry asks for a fresh challenge.
 */
export const MAX_LIVE_SIGN_IN_CHALLENGES = 10_000
export const MAX_PASSKEYS_PER_USER = 25
export const MAX_NAME_LENGTH = 64
/** Ed25519, ES256, RS256: what Node verifies natively and authenticators offer. */
export const ALGORITHMS = [-8, -7, -257]

/** The relying party, or 404 `passkeys_unavailable` while passkeys are off (config/webauthn.ts). */
export function relyingParty(config: Pick<Deps['config'], 'webauthn'>): Readonly<WebauthnSettings> {
  if (!config.webauthn) throw passkeysUnavailable()
  return config.webauthn
}

/** Challenges are stored only as hashes: a database reader cannot answer a ceremony in flight. */
export const hashChallenge = (challenge: string) => createHash('sha256').update(`gatehouse webauthn challenge\0${challenge}`).digest('base64url')

/** The challenge a response answers, read from its clientDataJSON (base64url JSON), or null. */
export function challengeOf(clientDataJSON: string): string | null {
  try {
    const data = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')) as { challenge?: unknown }
    return typeof data.challenge === 'string' && /^[A-Za-z0-9_-]{16,128}$/.test(data.challenge) ? data.challenge : null
  } catch {
    return null
  }
}

/** What the API and the pages show of a passkey. Built field by field: no key material leaks. */
export interface PasskeyView {
  id: string
  name: string
  created_at: string
  last_used_at: string | null
  /** `multiDevice` (synced) or `singleDevice`. */
  device_type: string
  backed_up: boolean
}

export const toPasskeyView = (p: Passkey): PasskeyView => ({
  id: p.id,
  name: p.name,
  created_at: p.createdAt.toISOString(),
  last_used_at: p.lastUsedAt?.toISOString() ?? null,
  device_type: p.deviceType,
  backed_up: p.backedUp,
})

/**
 * A passkey's name as a person typed it: NFC, one line, trimmed, at most MAX_NAME_LENGTH characters.
 * @returns null when nothing is left (the caller picks a default, or refuses).
 */
export function cleanName(input: string | undefined | null): string | null {
  if (input === undefined || input === null) return null
  const s = input
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .trim()
  return s === '' ? null : [...s].slice(0, MAX_NAME_LENGTH).join('')
}
