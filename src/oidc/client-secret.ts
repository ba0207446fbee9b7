import { createHmac, timingSafeEqual } from 'node:crypto'
import { randomToken } from '../lib/ids.js'

/**
 * Client secrets: 256 random bits (43 base64url characters), shown once, stored as a keyed hash.
 * A secret this long cannot be guessed offline, so a slow password hash (argon2) would buy nothing
 * and cost `client_credentials` its throughput: HMAC-SHA-256 takes microseconds. The key is a fixed
 * domain label (not ENCRYPTION_KEY: rotating that would silently invalidate every secret), and the
 * client id is hashed with the secret, so a hash copied to another client's row does not verify.
 */

const KEY = 'gatehouse client secret v1'
export const CLIENT_SECRET_BYTES = 32

export const newClientSecret = (): string => randomToken(CLIENT_SECRET_BYTES)

export const hashClientSecret = (clientId: string, secret: string): string => createHmac('sha256', KEY).update(`${clientId}\0${secret}`).digest('base64url')

// A hash nothing matches, compared against when there is no stored hash, so that every answer costs the same.
const NO_HASH = hashClientSecret('', 'no secret')

/**
 * Whether `secret` is the one `storedHash` was made from, in constant time: the presented secret is
 * hashed first (whatever its length), and two digests of one length are compared with
 * timingSafeEqual. With no stored hash (public client, unknown id) the same work is done, and refused.
 */
export function clientSecretMatches(clientId: string, secret: string, storedHash: string | null): boolean {
  const presented = Buffer.from(hashClientSecret(clientId, secret), 'utf8')
  const stored = Buffer.from(storedHash ?? NO_HASH, 'utf8')
  // A stored value of another length is corrupt, not secret: refusing it at once leaks nothing.
  if (stored.length !== presented.length) return false
  return timingSafeEqual(presented, stored) && storedHash !== null
}
