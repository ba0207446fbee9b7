import { createHash } from 'node:crypto'
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
