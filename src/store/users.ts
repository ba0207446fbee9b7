import type { NewAuditEvent } from './audit.js'

/** Users: the accounts and their password hashes. */

export interface User {
  id: string
  username: string
  email: string | null
  emailVerified: boolean
  /** An address the user asked to change to, until its verification link is used. */
  pendingEmail: string | null
  roles: string[]
  disabled: boolean
  /** A confirmed TOTP factor exists (kept by confirmTotp/deleteTotp only). */
  totpEnabled: boolean
  createdAt: Date
  updatedAt: Date
}

export interface NewUser {
  id: string
  username: string
  /** Case-folded username: a UNIQUE index holds case-insensitive uniqueness. */
  usernameKey: string
  email: string | null
  /** Case-folded email, UNIQUE when present. */
  emailKey: string | null
  passwordHash: string
  roles: string[]
  createdAt: Date
}

export interface UserPatch {
  email?: { email: string | null; emailKey: string | null }
  pendingEmail?: string | null
  emailVerified?: boolean
  roles?: string[]
  disabled?: boolean
}

export interface UserListQuery {
  /** Case-folded prefix of the username key or the email key. */
  prefix?: string
  /** Only users whose username key sorts after this one (the paging cursor). */
  afterUsernameKey?: string
  limit: number
}

export interface UserStore {
  /** @throws StoreConflictError when usernameKey or emailKey is taken. */
  createUser(u: NewUser, audit?: readonly NewAuditEvent[]): Promise<User>
  findUserById(id: string): Promise<User | null>
  findUserByUsernameKey(usernameKey: string): Promise<User | null>
  /** The only way to read a password hash by name, for the password grant. */
  findUserForLogin(usernameKey: string): Promise<(User & { passwordHash: string }) | null>
  /** The imported bcrypt hash with the highest cost, or null: what failed logins must take as long as. */
  findSlowestLegacyHash(): Promise<string | null>
  /** The password hash of a user, for re-authentication (password change, deletion). */
  findPasswordHash(userId: string): Promise<string | null>
  /**
   * Users in username-key order, at most `limit`. Keyset paging on the unique username key visits
   * every user exactly once, whatever is inserted or deleted between pages.
   */
  listUsers(q: UserListQuery): Promise<User[]>
  /** @returns the updated user, or null when absent. @throws StoreConflictError on a taken email. */
  updateUser(id: string, patch: UserPatch, now: Date, audit?: readonly NewAuditEvent[]): Promise<User | null>
  /** The user with this case-folded email, or null. */
  findUserByEmailKey(emailKey: string): Promise<User | null>
  /** Sets the hash unconditionally (a password reset proved control of the email instead). */
  setPasswordHash(id: string, newHash: string, now: Date, audit?: readonly NewAuditEvent[]): Promise<boolean>
  /** Replaces the hash only while it still equals `oldHash` (a concurrent change wins). */
  updatePasswordHash(id: string, oldHash: string, newHash: string, now: Date, audit?: readonly NewAuditEvent[]): Promise<boolean>
  /** Deletes the user and, through the foreign key, every session, refresh and one-time token, TOTP factor, recovery code, passkey, consent and authorization code. */
  deleteUser(id: string, audit?: readonly NewAuditEvent[]): Promise<boolean>
}
