import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'

/**
 * Secrets at rest (TOTP secrets, private signing keys): AES-256-GCM under ENCRYPTION_KEY, each
 * bound to its row by the additional data (`totp:<user id>`, `key:<kid>`), so a sealed value
 * copied into another row does not open. Format: `gh1.<key id>.<iv>.<ciphertext+tag>` (base64url),
 * where the key id (8 bytes of SHA-256 of the key) says which key opens it. Without a key, values
 * are stored as they are; `open` tells them apart by the prefix.
 */
export interface SecretBox {
  /** Seals `plain` for `binding` under the current key (or returns it unchanged without one). */
  seal(plain: string, binding: string): string
  /** @throws SecretBoxError when sealed under an unknown key, for another row, or altered. */
  open(stored: string, binding: string): string
  /** Whether `stored` is already sealed under the current key (re-encryption skips it). */
  isCurrent(stored: string): boolean
  readonly encrypting: boolean
}

export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SecretBoxError'
  }
}

const PREFIX = 'gh1.'
const keyId = (key: Buffer) => createHash('sha256').update(key).digest().subarray(0, 8).toString('base64url')

export function createSecretBox(current: Buffer | null, previous: Buffer | null = null): SecretBox {
  const keys = new Map<string, Buffer>()
  for (const k of [current, previous]) if (k) keys.set(keyId(k), k)
  const currentId = current ? keyId(current) : null
  return {
    encrypting: current !== null,
    seal(plain, binding) {
      if (!current) return plain
      // NIST SP 800-38D: a 96-bit random IV per message; far below the 2^32 messages per key limit.
      const iv = randomBytes(12)
      const c = createCipheriv('aes-256-gcm', current, iv)
      c.setAAD(Buffer.from(binding, 'utf8'))
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final(), c.getAuthTag()])
      return `${PREFIX}${currentId}.${iv.toString('base64url')}.${body.toString('base64url')}`
    },
    open(stored, binding) {
      if (!stored.startsWith(PREFIX)) return stored
      const [id, ivText, bodyText] = stored.slice(PREFIX.length).split('.')
      const key = id ? keys.get(id) : undefined
      if (!key) throw new SecretBoxError('sealed under a key that is not configured (set ENCRYPTION_KEY, or ENCRYPTION_KEY_PREVIOUS while moving)')
      const iv = Buffer.from(ivText ?? '', 'base64url')
      const body = Buffer.from(bodyText ?? '', 'base64url')
      if (iv.length !== 12 || body.length < 16) throw new SecretBoxError('malformed sealed value')
      try {
        const d = createDecipheriv('aes-256-gcm', key, iv)
        d.setAAD(Buffer.from(binding, 'utf8'))
        d.setAuthTag(body.subarray(body.length - 16))
        return Buffer.concat([d.update(body.subarray(0, body.length - 16)), d.final()]).toString('utf8')
      } catch {
        throw new SecretBoxError('sealed value does not open: altered, or copied from another row')
      }
    },
    isCurrent(stored) {
      return currentId !== null && stored.startsWith(`${PREFIX}${currentId}.`)
    },
  }
}
