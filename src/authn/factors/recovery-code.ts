import { createHash, randomInt } from 'node:crypto'
import type { NewAuditEvent } from '../../store/audit.js'
import type { MfaStore } from '../../store/store.js'

export const RECOVERY_CODE_COUNT = 10
// Crockford's base32 without I, L, O, U: nothing to confuse when read off paper.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

// 24 symbols of 5 bits: 120 random bits. NIST SP 800-63B §3.1.2.2 (rev 4): a look-up secret
// of 112 bits or more may be stored under a fast approved hash; a shorter one would need a
// password-hashing scheme (and ten slow hashes per attempt). 60-bit codes, as issued before,
// fell to an offline search of a leaked database in GPU-days; they still work until regenerated.
const SYMBOLS = 24
const LEGACY_SYMBOLS = 12

/** One code, shown as `XXXX-XXXX-XXXX-XXXX-XXXX-XXXX`. */
function newCode(): string {
  let s = ''
  for (let i = 0; i < SYMBOLS; i++) s += ALPHABET[randomInt(ALPHABET.length)]
  return s.match(/.{4}/g)!.join('-')
}

/** What the person typed, as stored: case, spaces and dashes do not matter. @returns null when it cannot be a code. */
export function normalizeRecoveryCode(input: string): string | null {
  const s = input.toUpperCase().replace(/[\s-]/g, '')
  if (s.length !== SYMBOLS && s.length !== LEGACY_SYMBOLS) return null
  return /^[0-9A-HJKMNP-TV-Z]+$/.test(s) ? s : null
}

/**
 * Stored as SHA-256 bound to the user (120 random bits need no slow hash, see above); the check
 * itself falls under the per-account back-off.
 */
export const hashRecoveryCode = (userId: string, normalized: string): string =>
  createHash('sha256').update(`gatehouse recovery code\0${userId}\0${normalized}`).digest('base64url')

/** Ten new codes (shown once) and their hashes (stored). */
export function newRecoveryCodes(userId: string): { codes: string[]; hashes: string[] } {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newCode)
  return { codes, hashes: codes.map((c) => hashRecoveryCode(userId, normalizeRecoveryCode(c)!)) }
}

/** Spends a recovery code, atomically (of concurrent uses, one wins). */
export async function useRecoveryCode(deps: { store: MfaStore }, userId: string, input: string, now: Date, audit?: readonly NewAuditEvent[]): Promise<boolean> {
  const code = normalizeRecoveryCode(input)
  if (!code) return false
  return deps.store.consumeRecoveryCode(userId, hashRecoveryCode(userId, code), now, audit)
}
