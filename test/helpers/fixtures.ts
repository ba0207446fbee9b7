import assert from 'node:assert/strict'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import type { Deps } from '../../src/deps/types.js'

export const PASSWORD = 'correct horse battery'
export const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

export async function registerUser(app: FastifyInstance, body: { username?: string; email?: string | null; password?: string } = {}) {
  const res = await app.inject({
    method: 'POST',
    url: '/register',
    payload: { username: 'alice', password: PASSWORD, ...body },
  })
  assert.equal(res.statusCode, 201, res.body)
  return res.json() as { id: string; username: string; email: string | null }
}

export interface Tokens {
  access_token: string
  refresh_token: string
  token_type: string
  expires_in: number
  scope: string
}

export async function login(app: FastifyInstance, username = 'alice', password = PASSWORD, extra = ''): Promise<Tokens> {
  const res = await app.inject({ method: 'POST', url: '/token', headers: FORM, payload: form({ username, password }) + extra })
  assert.equal(res.statusCode, 200, res.body)
  return res.json() as Tokens
}

export const form = (fields: Record<string, string>): string => new URLSearchParams(fields).toString()

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

/** The inject options of a refresh_token grant. */
export const refreshRequest = (refresh_token: string) => ({
  method: 'POST' as const,
  url: '/token',
  headers: FORM,
  payload: form({ grant_type: 'refresh_token', refresh_token }),
})

export async function me(app: FastifyInstance, token: string): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'GET', url: '/users/me', headers: bearer(token) })
}

/** Decodes a JWT's header and payload without verifying (tests inspect what was issued). */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [h, p] = token.split('.')
  return {
    header: JSON.parse(Buffer.from(h!, 'base64url').toString()) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>,
  }
}

/** Registers `name` and makes them an admin (the CLI's `users create --admin` in production); returns their tokens. */
export async function adminLogin(app: FastifyInstance, deps: Deps, name = 'root'): Promise<Tokens & { id: string }> {
  const user = await registerUser(app, { username: name, password: ADMIN_PASSWORD })
  await deps.store.updateUser(user.id, { roles: ['user', 'admin'] }, new Date())
  return { ...(await login(app, name, ADMIN_PASSWORD)), id: user.id }
}
export const ADMIN_PASSWORD = 'an administrator passphrase'

/** The audit log's types, oldest first (read through the admin API). */
export async function auditTypes(app: FastifyInstance, adminToken: string, query = ''): Promise<string[]> {
  const res = await app.inject({ method: 'GET', url: `/admin/audit?limit=200${query}`, headers: bearer(adminToken) })
  assert.equal(res.statusCode, 200, res.body)
  return (res.json().events as { type: string }[]).map((e) => e.type).reverse()
}
