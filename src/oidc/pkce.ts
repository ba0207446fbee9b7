import { createHash, timingSafeEqual } from 'node:crypto'

/** RFC 7636 §4.1: a code_verifier is 43 to 128 characters of [A-Z a-z 0-9 - . _ ~]. */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/
/** RFC 7636 §4.2: an S256 code_challenge is the base64url (unpadded) SHA-256 of the verifier: 43 characters. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/

export const isS256Challenge = (challenge: string): boolean => S256_CHALLENGE.test(challenge)

/**
 * Whether `verifier` is the one `challenge` was made from (S256 only: RFC 9700 §2.1.1 and OAuth 2.1
 * leave `plain` to clients that cannot hash, and every client Gatehouse serves can). Compared in
 * constant time, though the challenge is not secret: nothing here needs to be the exception.
 */
export function pkceMatches(verifier: string, challenge: string): boolean {
  if (!VERIFIER.test(verifier) || !S256_CHALLENGE.test(challenge)) return false
  const computed = Buffer.from(createHash('sha256').update(verifier, 'ascii').digest('base64url'))
  const expected = Buffer.from(challenge)
  return computed.length === expected.length && timingSafeEqual(computed, expected)
}
