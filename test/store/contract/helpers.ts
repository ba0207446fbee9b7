import { test } from 'node:test'
import type { NewAuditEvent, NewClient, NewSession, NewUser, Store } from '../../../src/store/store.js'

export const T0 = new Date('2026-11-28T12:00:00Z')
export const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000)

export const newUser = (name: string, email: string | null = null): NewUser => ({
  id: crypto.randomUUID(),
  username: name,
  usernameKey: name.toLowerCase(),
  email,
  emailKey: email?.toLowerCase() ?? null,
  passwordHash: `$argon2id$hash-of-${name}`,
  roles: ['user'],
  createdAt: T0,
})

export const newSession = (userId: string, refreshHash: string, over: Partial<NewSession> = {}): NewSession => ({
  id: crypto.randomUUID(),
  userId,
  scope: 'user',
  refreshHash,
  createdAt: T0,
  expiresAt: at(3600),
  idleExpiresAt: at(600),
  userAgent: 'ua',
  ip: '127.0.0.1',
  amr: ['pwd'],
  authTime: T0,
  ...over,
})

export const newClient = (id: string, over: Partial<NewClient> = {}): NewClient => ({
  id,
  name: `App ${id}`,
  confidential: true,
  firstParty: false,
  grantTypes: ['authorization_code', 'refresh_token'],
  scopes: ['openid', 'profile', 'user'],
  redirectUris: ['https://app.example/cb', 'http://127.0.0.1/cb'],
  postLogoutRedirectUris: [],
  idTokenSignedResponseAlg: null,
  secretHash: 'hash-1',
  createdAt: T0,
  ...over,
})

/** An audit event of `type`, to see which writes appended theirs. */
export const ev = (type: string): NewAuditEvent => ({ type, at: at(1), actorId: null, subjectId: null, ip: null, userAgent: null, details: {} })

export type Open = () => Promise<Store>

/** Declares one contract test: a fresh store each, always closed. */
export const storeTest = (name: string, open: Open) => (title: string, fn: (s: Store) => Promise<void>) =>
  test(`${name}: ${title}`, async () => {
    const s = await open()
    try {
      await fn(s)
    } finally {
      await s.close()
    }
  })
