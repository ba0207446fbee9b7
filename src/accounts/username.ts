import { invalidField } from '../errors.js'
/** Trimmed, NFKC-normalised username, or null when it breaks the rules (3..64 of A-Z a-z 0-9 _ . -). */
export function normalizeUsername(raw: string): string | null {
  const name = raw.normalize('NFKC').trim()
  return /^[A-Za-z0-9_.-]{3,64}$/.test(name) ? name : null
}

/** The case-folded form a UNIQUE index holds: `Alice` and `alice` are one account. */
export const usernameKey = (normalized: string): string => normalized.toLowerCase()

/**
 * Validates an email and lower-cases its domain (the local part is case-sensitive in theory,
 * RFC 5321 §2.4). @returns null when invalid.
 */
export function normalizeEmail(raw: string): string | null {
  const email = raw.normalize('NFKC').trim()
  if (email.length > 254) return null
  const at = email.lastIndexOf('@')
  if (at < 1) return null
  const local = email.slice(0, at)
  const domain = email.slice(at + 1).toLowerCase()
  if (local.length > 64 || !/^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/.test(local) || /^\.|\.\.|\.$/.test(local)) return null
  if (!/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(domain)) return null
  return `${local}@${domain}`
}

/** Uniqueness key for email: fully case-folded, so `Bob@x.io` and `bob@x.io` cannot both sign up. */
export const emailKey = (normalized: string): string => normalized.toLowerCase()

/** Normalises an optional email field, or throws a 422 on it. */
export function emailFromInput(raw: string | null | undefined): { email: string | null; emailKey: string | null } {
  if (raw === undefined || raw === null || raw.trim() === '') return { email: null, emailKey: null }
  const email = normalizeEmail(raw)
  if (!email) throw invalidField(['body', 'email'], 'value is not a valid email address', 'value_error')
  return { email, emailKey: emailKey(email) }
}
