import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import type { Deps } from '../../src/deps/types.js'
import { adminLogin, bearer, FORM, registerUser } from './fixtures.js'
import { PageClient } from './page-client.js'

export const ISSUER = 'http://127.0.0.1:8000'
export const REDIRECT = 'https://app.example.com/callback'

export interface TestClient {
  client_id: string
  client_secret?: string
  redirect_uris: string[]
  [k: string]: unknown
}

/** Registers a client through the admin API (an admin is made on first use). */
export async function registerClient(app: FastifyInstance, deps: Deps, body: Record<string, unknown> = {}): Promise<TestClient> {
  const admin = await adminLogin(app, deps, `admin${randomBytes(4).toString('hex')}`)
  const res = await app.inject({
    method: 'POST',
    url: '/admin/clients',
    headers: bearer(admin.access_token),
    payload: { name: 'Example App', redirect_uris: [REDIRECT], confidential: true, ...body },
  })
  assert.equal(res.statusCode, 201, res.body)
  return res.json() as TestClient
}

/** An RFC 7636 pair: a 43-character verifier and its S256 challenge. */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url')
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') }
}

export function authorizeUrl(client: Pick<TestClient, 'client_id'>, params: Record<string, string | undefined> = {}): string {
  const q = new URLSearchParams()
  const all: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: client.client_id,
    redirect_uri: REDIRECT,
    scope: 'openid profile email offline_access',
    state: 'st-123',
    nonce: 'n-456',
    code_challenge_method: 'S256',
    ...params,
  }
  for (const [k, v] of Object.entries(all)) if (v !== undefined) q.set(k, v)
  return `/authorize?${q.toString()}`
}

/** The query of a redirect to the client (asserts it goes to `base`). */
export function redirectParams(res: LightMyRequestResponse, base = REDIRECT): URLSearchParams {
  assert.ok(res.statusCode === 302 || res.statusCode === 303, `a redirect, got ${res.statusCode}: ${res.body.slice(0, 300)}`)
  const to = new URL(String(res.headers.location))
  assert.equal(`${to.origin}${to.pathname}`, base, 'to the registered redirect URI')
  return to.searchParams
}

/** A person with an account and a browser signed in on the pages. */
export async function signedInBrowser(app: FastifyInstance, username = 'alice', password = 'correct horse battery', email?: string) {
  const user = await registerUser(app, { username, password, ...(email ? { email } : {}) })
  const page = new PageClient(app)
  const res = await page.signIn(username, password)
  assert.equal(res.statusCode, 303, res.body)
  return { user, page }
}

/**
 * Runs /authorize in `page` (signed in), allowing consent when asked, and returns the code.
 * `params` override the request's (a `code_challenge` is made unless given).
 */
export async function authorizeCode(page: PageClient, client: TestClient, params: Record<string, string | undefined> = {}) {
  const p = pkce()
  let res = await page.get(authorizeUrl(client, { code_challenge: p.challenge, ...params }))
  if (res.statusCode === 200 && res.body.includes('value="allow"')) {
    res = await page.post('/authorize/consent', { ...consentFields(res.body), decision: 'allow' })
  }
  const q = redirectParams(res)
  const code = q.get('code')
  assert.ok(code, `a code: ${q.toString()}`)
  return { code, verifier: p.verifier, state: q.get('state'), iss: q.get('iss') }
}

/** The consent form's hidden fields (the request carried through), as the browser would post them. */
export function consentFields(body: string): Record<string, string> {
  const form = body.slice(body.indexOf('action="/authorize/consent"'))
  const fields: Record<string, string> = {}
  for (const m of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]!] = decodeEntities(m[2]!)
  return fields
}

/** Undoes pages/html.ts's escaping of an attribute value. */
export const decodeEntities = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#96;/g, '`')
    .replace(/&amp;/g, '&')

/** POST /token with client_secret_basic (confidential) or client_id in the form (public). */
export async function tokenRequest(app: FastifyInstance, client: TestClient, fields: Record<string, string>, method: 'basic' | 'post' = 'basic') {
  const headers: Record<string, string> = { ...FORM }
  const body = new URLSearchParams(fields)
  if (client.client_secret && method === 'basic') {
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(client.client_id)}:${encodeURIComponent(client.client_secret)}`).toString('base64')}`
  } else {
    body.set('client_id', client.client_id)
    if (client.client_secret) body.set('client_secret', client.client_secret)
  }
  return app.inject({ method: 'POST', url: '/token', headers, payload: body.toString() })
}

export async function exchange(app: FastifyInstance, client: TestClient, code: { code: string; verifier: string }, redirectUri = REDIRECT) {
  return tokenRequest(app, client, { grant_type: 'authorization_code', code: code.code, redirect_uri: redirectUri, code_verifier: code.verifier })
}
