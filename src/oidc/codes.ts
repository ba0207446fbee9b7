import { createHash, randomBytes } from 'node:crypto'

/** The contract's code lifetime: 60 s (RFC 6749 §4.1.2 recommends at most 10 minutes; an app exchanges it at once). */
export const AUTHORIZATION_CODE_TTL_SECONDS = 60
/** Live codes kept per person: more than any number of tabs signing in at once, few enough to bound the table per target. */
export const MAX_LIVE_CODES_PER_USER = 20

/** 256 random bits (the contract asks for at least 128), base64url: 43 characters. */
export const newAuthorizationCode = (): string => randomBytes(32).toString('base64url')
export const looksLikeAuthorizationCode = (s: string): boolean => /^[A-Za-z0-9_-]{43}$/.test(s)
/** Stored only as this hash, under its own label (a code is never a refresh token or a cookie). */
export const hashAuthorizationCode = (code: string): string => createHash('sha256').update(`gatehouse authorization code\0${code}`).digest('base64url')
