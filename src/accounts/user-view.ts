import type { User } from '../store/store.js'

/** The public user object of the contract. Built field by field: nothing else can leak. */
export interface UserView {
  id: string
  username: string
  email: string | null
  email_verified: boolean
  pending_email: string | null
  roles: string[]
  disabled: boolean
  created_at: string
  mfa: { totp: boolean }
}

export const toUserView = (u: User): UserView => ({
  id: u.id,
  username: u.username,
  email: u.email,
  email_verified: u.emailVerified,
  pending_email: u.pendingEmail,
  roles: u.roles,
  disabled: u.disabled,
  created_at: u.createdAt.toISOString(),
  mfa: { totp: u.totpEnabled },
})
