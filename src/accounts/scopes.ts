/** Scopes Gatehouse issues, with what each grants (published in RFC 8414 metadata and /docs). */
export const SCOPES: Record<string, string> = {
  user: 'Act as the signed-in user on their own account',
  admin: 'Administer users and keys',
}

/** Which scopes each role may hold. */
const ROLE_SCOPES: Record<string, string[]> = { user: ['user'], admin: ['user', 'admin'] }

export const scopesForRoles = (roles: string[]): string[] => [...new Set(roles.flatMap((r) => ROLE_SCOPES[r] ?? []))]

/** RFC 6749 §3.3 scope syntax: space-separated tokens of %x21 / %x23-5B / %x5D-7E. */
export function parseScope(text: string | undefined): string[] | null {
  if (text === undefined || text.trim() === '') return []
  const parts = text.trim().split(/ +/)
  return parts.every((p) => /^[\x21\x23-\x5B\x5D-\x7E]+$/.test(p)) ? [...new Set(parts)] : null
}

/**
 * The scopes to grant: what was asked for, which must be within `allowed`, or everything allowed
 * when nothing was asked for. @returns null when something asked for is not allowed.
 */
export function grantScopes(requested: string[], allowed: string[]): string[] | null {
  if (requested.length === 0) return allowed
  return requested.every((s) => allowed.includes(s)) ? requested : null
}
