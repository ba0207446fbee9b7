import { randomBytes, randomUUID } from 'node:crypto'

/** A random UUID v4 (122 random bits): user, session and token ids. */
export const newId = (): string => randomUUID()

/** `bytes` random bytes as base64url text: 32 bytes = 256 bits, as RFC 9700 wants for refresh tokens. */
export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url')
