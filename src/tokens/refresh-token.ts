import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import { randomToken } from '../lib/ids.js'

/** A new opaque refresh token: 256 random bits (RFC 9700 §4.14), base64url. */
export const newRefreshToken = (): string => randomToken(32)

/**
 * What the store keeps instead of the token. A fast hash is right here: the input has 256 bits of
 * entropy, so there is nothing to brute-force, and lookups by hash need no salt.
 */
export const hashRefreshToken = (token: string): string => createHash('sha256').update(token).digest('base64url')

/** Cheap shape check before any lookup: 43 base64url characters. */
export const looksLikeRefreshToken = (token: string): boolean => /^[A-Za-z0-9_-]{43}$/.test(token)

// Refresh grace (REFRESH_REUSE_GRACE): a replayed token must get back the very successor it was
// rotated to, but the store keeps only hashes. So the successor is stored sealed (AES-256-GCM)
// under a key derived from the token it replaced: only someone presenting that token can open it,
// and the stored SHA-256 of the token (a different, domain-separated hash) does not give the key.
const sealKey = (token: string) => createHash('sha256').update(`gatehouse refresh successor\0${token}`).digest()

/** The successor token, sealed so that only the holder of `token` can open it. */
export function sealSuccessor(token: string, successor: string): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', sealKey(token), iv)
  const body = Buffer.concat([cipher.update(successor, 'utf8'), cipher.final()])
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')
}

/** @returns the successor sealed under `token`, or null when it does not open (tampered, or another token). */
export function openSuccessor(token: string, sealed: string): string | null {
  try {
    const raw = Buffer.from(sealed, 'base64url')
    const decipher = createDecipheriv('aes-256-gcm', sealKey(token), raw.subarray(0, 12))
    decipher.setAuthTag(raw.subarray(12, 28))
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')
  } catch {
    return null
  }
}
