import { timingSafeEqual } from 'node:crypto'
import { Secret, TOTP } from 'otpauth'
import QRCode from 'qrcode'
import type { SecretBox } from '../../crypto/secret-box.js'
import type { MfaStore } from '../../store/store.js'

/** RFC 6238 as every authenticator app reads it: SHA-1, 6 digits, 30-second steps. */
const PERIOD = 30
const DIGITS = 6
/** RFC 6238 §5.2: one step either side, for clock drift and the time it takes to type. */
const WINDOW = 1

const totp = (secretBase32: string) => new TOTP({ secret: Secret.fromBase32(secretBase32), algorithm: 'SHA1', digits: DIGITS, period: PERIOD })

/** A new secret: 160 random bits (RFC 4226 §4 recommends them), in base32. */
export const newTotpSecret = (): string => new Secret({ size: 20 }).base32

/** The binding of a sealed TOTP secret to its row (see SecretBox). */
export const totpBinding = (userId: string) => `totp:${userId}`

export function otpauthUri(secretBase32: string, issuer: string, account: string): string {
  return new TOTP({ issuer, label: account, secret: Secret.fromBase32(secretBase32), algorithm: 'SHA1', digits: DIGITS, period: PERIOD }).toString()
}

/** The URI as a QR code (SVG text), for the enrolment answer and page. */
export const qrSvg = (uri: string): Promise<string> => QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })

export const looksLikeTotpCode = (code: string) => /^\d{6}$/.test(code)

/**
 * The time step `code` belongs to, within the window around `now`, or null. Every candidate is
 * compared, in constant time, so the answer's timing says nothing about which step (if any) matched.
 */
export function matchTotpStep(secretBase32: string, code: string, now: Date): number | null {
  if (!looksLikeTotpCode(code)) return null
  const t = totp(secretBase32)
  const step = Math.floor(now.getTime() / 1000 / PERIOD)
  const given = Buffer.from(code)
  let matched: number | null = null
  for (let k = -WINDOW; k <= WINDOW; k++) {
    const expected = Buffer.from(t.generate({ timestamp: (step + k) * PERIOD * 1000 }))
    if (timingSafeEqual(expected, given) && matched === null) matched = step + k
  }
  return matched
}

/** The current code (tests and the CLI's self-check; never sent to anyone). */
export const totpCodeAt = (secretBase32: string, now: Date): string => totp(secretBase32).generate({ timestamp: now.getTime() })

/**
 * Verifies a code against the user's confirmed factor and spends its time step, atomically across
 * instances (the store's compare-and-set on the last used step): a code is accepted once, and no
 * earlier code is accepted after it (RFC 6238 §5.2).
 */
export async function verifyTotp(deps: { store: MfaStore; secrets: SecretBox }, userId: string, code: string, now: Date): Promise<boolean> {
  const factor = await deps.store.findTotp(userId)
  if (!factor?.confirmedAt) return false
  const step = matchTotpStep(deps.secrets.open(factor.secret, totpBinding(userId)), code, now)
  if (step === null) return false
  return deps.store.consumeTotpStep(userId, step)
}
