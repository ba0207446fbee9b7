import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DomainError, storageUnavailable } from '../../src/errors.js'
import type { Principal, TokenVerifier } from '../../src/guards/principal.js'
import { expressGuard } from '../../src/guards/express.js'
import { fastifyGuard } from '../../src/guards/fastify.js'
import { honoGuard } from '../../src/guards/hono.js'
import { verifyRequest } from '../../src/guards/verify-request.js'

const principal = (scopes: string[], amr: string[]): Principal =>
  ({ userId: 'u1', username: 'alice', sessionId: 's1', scopes, amr, claims: {} }) as unknown as Principal

/** Accepts exactly the token "good" (scope read, amr pwd) and "strong" (scope read admin, amr pwd otp mfa). */
const verifier: TokenVerifier = {
  async verify(token) {
    if (token === 'good') return principal(['read'], ['pwd'])
    if (token === 'strong') return principal(['read', 'admin'], ['pwd', 'otp', 'mfa'])
    if (token === 'down') throw storageUnavailable()
    if (token === 'boom') throw new Error('a bug in a custom verifier')
    throw new DomainError('invalid_token')
  },
}

test('verifyRequest: the documented answer for every way a bearer header can be wrong (control: a good one passes)', async () => {
  const status = async (headers: Parameters<typeof verifyRequest>[1], need = {}) => {
    const v = await verifyRequest(verifier, headers, need)
    return v.ok ? 200 : `${v.status} ${v.code} ${v.headers['www-authenticate'] ?? ''}`.trim()
  }
  assert.equal(await status({ authorization: 'Bearer good' }), 200)
  assert.equal(await status({ authorization: 'bearer   good ' }), 200, 'scheme in any case, spaces around (RFC 6750 §2.1)')
  assert.equal(await status(new Headers({ authorization: 'Bearer good' })), 200, 'a Fetch Headers object')
  assert.equal(await status({}), '401 not_authenticated Bearer')
  assert.equal(await status({ authorization: 'Basic Zm9vOmJhcg==' }), '401 not_authenticated Bearer', 'another scheme is no bearer credential')
  assert.equal(await status({ authorization: 'Bearer ' }), '401 invalid_token Bearer error="invalid_token"')
  assert.equal(await status({ authorization: 'Bearer a b' }), '401 invalid_token Bearer error="invalid_token"')
  assert.equal(await status({ authorization: ['Bearer good', 'Bearer strong'] }), '401 invalid_token Bearer error="invalid_token"', 'two headers are ambiguous')
  assert.equal(await status({ authorization: 'Bearer forged' }), '401 invalid_token Bearer error="invalid_token"')
  assert.equal(
    await status({ authorization: 'Bearer boom' }),
    '401 invalid_token Bearer error="invalid_token"',
    'an unclassified error refuses, never lets through',
  )
  const down = await verifyRequest(verifier, { authorization: 'Bearer down' })
  assert.ok(!down.ok && down.status === 503 && down.headers['retry-after'] === '1')
})

test('verifyRequest: scopes are all required, amr methods any one (control: the strong token passes both)', async () => {
  const need = { scopes: ['read', 'admin'] }
  assert.ok((await verifyRequest(verifier, { authorization: 'Bearer strong' }, need)).ok)
  const weak = await verifyRequest(verifier, { authorization: 'Bearer good' }, need)
  assert.ok(!weak.ok)
  assert.equal(weak.status, 403)
  assert.deepEqual(weak.body, { detail: 'Not enough permissions', error: 'insufficient_scope' })
  assert.equal(weak.headers['www-authenticate'], 'Bearer error="insufficient_scope", scope="read admin"')
  assert.ok((await verifyRequest(verifier, { authorization: 'Bearer strong' }, { amr: ['hwk', 'mfa'] })).ok)
  const pwdOnly = await verifyRequest(verifier, { authorization: 'Bearer good' }, { amr: ['hwk', 'mfa'] })
  assert.ok(!pwdOnly.ok && pwdOnly.status === 401 && pwdOnly.code === 'insufficient_authentication')
})

test('a guard that cannot mean what it says is refused when it is built: requireAmr() with no methods would admit every sign-in', async () => {
  assert.throws(() => expressGuard(verifier, { amr: [] }), TypeError)
  assert.throws(() => honoGuard(verifier, { amr: [] }), TypeError)
  assert.throws(() => fastifyGuard(verifier, { amr: [] }), TypeError)
  assert.throws(() => expressGuard(verifier, { scopes: [''] }), TypeError)
  assert.throws(() => expressGuard(verifier, { scopes: [] }), TypeError, 'requireScope() would admit any signed-in user')
  assert.doesNotThrow(() => expressGuard(verifier, { amr: ['mfa'] }), 'control')
})

test('the Express guard never throws out of its promise: an answer already sent is left alone, and an error goes to next()', async () => {
  const calls: string[] = []
  const sent = {
    headersSent: true,
    status: () => {
      throw new Error('headers already sent')
    },
    set: () => sent,
    json: () => sent,
  }
  const next = (err?: unknown) => calls.push(err ? `next(${(err as Error).message})` : 'next()')
  expressGuard(verifier)({ headers: { authorization: 'Bearer forged' } }, sent as never, next)
  const broken = {
    headersSent: false,
    status: () => {
      throw new Error('a broken response')
    },
    set: () => broken,
    json: () => broken,
  }
  expressGuard(verifier)({ headers: { authorization: 'Bearer forged' } }, broken as never, next)
  await new Promise((r) => setTimeout(r, 20))
  assert.deepEqual(calls, ['next(a broken response)'])
})
