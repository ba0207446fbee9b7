/** What the built-in scopes mean (RFC 8414 metadata and /docs); configured extra scopes get a generic line. */
const DESCRIPTIONS: Record<string, string> = {
  user: 'Act as the signed-in user on their own account',
  admin: 'Administer users, sessions, keys and the audit log',
}

export type RoleScopes = Readonly<Record<string, readonly string[]>>

/**
 * The OpenID Connect scopes (Core §5.4, §11): they ask for claims about the signed-in person and
 * for offline access, not for a role's powers, so no role grants them and none takes them away.
 */
export const OIDC_SCOPES: readonly string[] = ['openid', 'profile', 'email', 'offline_access']

/** Every scope some role grants, with a description, for metadata and /docs. */
export function scopeCatalog(roleScopes: RoleScopes): Record<string, string> {
  const all = [...new Set(Object.values(roleScopes).flat())]
  return Object.fromEntries(all.map((s) => [s, DESCRIPTIONS[s] ?? `The ${s} scope`]))
}

/** The scopes a user with `roles` may hold now. Unknown roles grant nothing. */
export function scopesForRoles(roleScopes: RoleScopes, roles: readonly string[]): string[] {
  return [...new Set(roles.flatMap((r) => (Object.hasOwn(roleScopes, r) ? roleScopes[r]! : [])))]
}

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

/** What a token or session may still do: its scopes, less what the user's current roles no longer grant. */
export function heldScopes(roleScopes: RoleScopes, scope: string, roles: readonly string[]): string[] {
  const allowed = scopesForRoles(roleScopes, roles)
  return scope.split(' ').filter((s) => s !== '' && (allowed.includes(s) || OIDC_SCOPES.includes(s)))
}

/**
 * MFA_REQUIRED_ROLES: such a role grants its scopes only to a session signed in with a second
 * factor (`mfa` in its RFC 8176 `amr`); without one the user keeps their other roles' scopes.
 */
export function effectiveRoles(roles: readonly string[], amr: readonly string[], mfaRequiredRoles: readonly string[]): readonly string[] {
  if (mfaRequiredRoles.length === 0 || amr.includes('mfa')) return roles
  return roles.filter((r) => !mfaRequiredRoles.includes(r))
}

/** Whether the user holds a role that wants a second factor they have not enrolled yet. */
export const mustEnrolMfa = (user: { roles: readonly string[]; totpEnabled: boolean }, mfaRequiredRoles: readonly string[]): boolean =>
  !user.totpEnabled && user.roles.some((r) => mfaRequiredRoles.includes(r))
