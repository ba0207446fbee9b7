/** Second factors and secrets at rest: MFA_REQUIRED_ROLES, ENCRYPTION_KEY, ENCRYPTION_KEY_PREVIOUS. */

export interface MfaConfig {
  /** Roles whose scopes a session gets only after a second factor (the user is told to enrol). */
  mfaRequiredRoles: readonly string[]
  /** 32 bytes: TOTP secrets and private signing keys are sealed with it (AES-256-GCM). Never logged. */
  encryptionKey: Buffer | null
  /** The key before the current one: still opens what it sealed, until `gatehouse keys reencrypt`. */
  encryptionKeyPrevious: Buffer | null
}

type Get = (name: string) => string | undefined

function key(get: Get, name: string, problems: string[]): Buffer | null {
  const text = get(name)
  if (text === undefined) return null
  // Strict base64 (standard or url-safe alphabet) of exactly 32 bytes: a typo must not become a weaker key.
  const bytes = /^[A-Za-z0-9+/_-]{43}=?$/.test(text.trim()) ? Buffer.from(text.trim(), 'base64') : null
  if (bytes?.length !== 32) {
    problems.push(`${name}: must be 32 random bytes in base64 (e.g. from: openssl rand -base64 32)`)
    return null
  }
  return bytes
}

export function parseMfa(get: Get, roleScopes: Readonly<Record<string, readonly string[]>>, problems: string[]): MfaConfig {
  const roles = (get('MFA_REQUIRED_ROLES') ?? '').split(/[\s,]+/).filter(Boolean)
  const unknown = roles.filter((r) => !Object.hasOwn(roleScopes, r))
  if (unknown.length > 0) problems.push(`MFA_REQUIRED_ROLES: unknown role ${unknown.join(', ')} (roles come from ROLE_SCOPES)`)
  if (roles.includes('user')) problems.push('MFA_REQUIRED_ROLES: not "user": every account has it, and nobody could sign in to enrol')
  const encryptionKey = key(get, 'ENCRYPTION_KEY', problems)
  const encryptionKeyPrevious = key(get, 'ENCRYPTION_KEY_PREVIOUS', problems)
  if (encryptionKeyPrevious && !encryptionKey) problems.push('ENCRYPTION_KEY_PREVIOUS: only with ENCRYPTION_KEY (the key to move to)')
  return { mfaRequiredRoles: Object.freeze([...new Set(roles)]), encryptionKey, encryptionKeyPrevious }
}
