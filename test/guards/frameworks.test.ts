import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { test, type TestContext } from 'node:test'
import express from 'express'
import { buildReportsApi as buildExpress } from '../../examples/express-resource-server.js'
import { buildReportsApi as buildFastify } from '../../examples/fastify-resource-server.js'
import { buildReportsApi as buildHono } from '../../examples/hono-resource-server.js'
import { expressGuards, principalOf } from '../../src/guards/express.js'
import { createEmbeddedVerifier } from '../../src/guards/session-check.js'
import { createRemoteVerifier } from '../../src/verifier/remote-verifier.js'
import { buildTestApp, testClock } from '../helpers/build-app.js'
import { adminLogin, bearer, login, registerUser } from '../helpers/fixtures.js'
import { enrolTotp, mfaGrant, passwordGrant, totpCodeAt } from '../helpers/mfa.js'

type Answer = { status: number; body: unknown; challenge: string | null }
type Client = (path: string, token?: string) => Promise<Answer>

const ISSUER = 'https://auth.example.test'

/** A real Gatehouse on a socket; the resource servers fetch its JWKS from there. */
async function gatehouseOnSocket(t: TestContext) {
  const built = await buildTestApp(t, { ISSUER })
  const base = await built.app.listen({ host: '127.0.0.1', port: 0 })
  return { ...built, jwks: `${base}/.well-known/jwks.json` }
}

const overHttp =
  (base: string): Client =>
  async (path, token) => {
    const res = await fetch(`${base}${path}`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })
    return { status: res.status, body: await res.json(), challenge: res.headers.get('www-authenticate') }
  }

async function listening(t: TestContext, server: { listen: (port: number, host: string, cb: () => void) => unknown }): Promise<string> {
  return new Promise((resolve) => {
    const s = server.listen(0, '127.0.0.1', () => {
      const http = s as import('node:http').Server
      t.after(() => new Promise<void>((done) => http.close(() => done())))
      resolve(`http://127.0.0.1:${(http.address() as AddressInfo).port}`)
    })
  })
}

const frameworks: Record<string, (t: TestContext, jwks: string) => Promise<Client>> = {
  fastify: async (t, jwks) => {
    const app = await buildFastify(ISSUER, jwks)
    t.after(() => app.close())
    return overHttp(await app.listen({ host: '127.0.0.1', port: 0 }))
  },
  express: async (t, jwks) => overHttp(await listening(t, buildExpress(ISSUER, jwks))),
  hono: async (_t, jwks) => {
    const app = buildHono(ISSUER, jwks)
    return async (path, token) => {
      const res = await app.request(path, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })
      return { status: res.status, body: await res.json(), challenge: res.headers.get('www-authenticate') }
    }
  },
}

for (const [name, build] of Object.entries(frameworks)) {
  test(`${name}: the example resource server answers as Gatehouse documents, with the remote verifier`, async (t) => {
    const { app, deps, jwks } = await gatehouseOnSocket(t)
    await registerUser(app)
    const alice = await login(app)
    const root = await adminLogin(app, deps)
    const call = await build(t, jwks)

    // Control: a valid token is let through, and the principal reaches the handler.
    assert.deepEqual(await call('/reports', alice.access_token), { status: 200, body: { owner: 'alice' }, challenge: null })

    assert.deepEqual(await call('/reports'), { status: 401, body: { detail: 'Not authenticated' }, challenge: 'Bearer' })
    const forged = `${alice.access_token.slice(0, -4)}AAAA`
    assert.deepEqual(await call('/reports', forged), {
      status: 401,
      body: { detail: 'Could not validate credentials' },
      challenge: 'Bearer error="invalid_token"',
    })
    assert.deepEqual(await call('/reports/all', alice.access_token), {
      status: 403,
      body: { detail: 'Not enough permissions', error: 'insufficient_scope' },
      challenge: 'Bearer error="insufficient_scope", scope="admin"',
    })
    assert.equal((await call('/reports/all', root.access_token)).status, 200)
  })
}

test('the remote verifier refuses a token from another issuer and says why, without the token', async (t) => {
  const { app, jwks } = await gatehouseOnSocket(t)
  await registerUser(app)
  const alice = await login(app)
  const reasons: string[] = []
  const other = createRemoteVerifier({ issuer: 'https://auth.example.com', audience: 'gatehouse', jwksUrl: jwks, onRefused: (r) => reasons.push(r) })
  await assert.rejects(other.verify(alice.access_token), { code: 'invalid_token' })
  assert.equal(reasons.length, 1)
  assert.match(reasons[0]!, /iss/)
  assert.ok(reasons[0]!.includes(ISSUER) && reasons[0]!.includes('https://auth.example.com'), reasons[0])
  assert.ok(!reasons[0]!.includes(alice.access_token.split('.')[1]!), 'the token is not in the reason')
})

test('express with the embedded verifier: logout and second-factor requirements take effect on the next request', async (t) => {
  const clock = testClock()
  const { app, deps } = await buildTestApp(t, {}, { clock })
  const guards = expressGuards(createEmbeddedVerifier(deps))
  const api = express()
  api.get('/export', guards.requireAmr('mfa'), (req, res) => {
    res.json({ amr: principalOf(req).amr })
  })
  api.get('/me', guards.requireUser(), (req, res) => {
    res.json({ sid: principalOf(req).sessionId })
  })
  const call = overHttp(await listening(t, api))

  await registerUser(app)
  const pwd = await login(app)
  const me = await call('/me', pwd.access_token)
  assert.equal(me.status, 200, 'control: a live session is let through')
  assert.deepEqual(await call('/export', pwd.access_token), {
    status: 401,
    body: { detail: 'A second factor is required for this action: sign in with it first' },
    challenge: 'Bearer error="insufficient_user_authentication", error_description="A second factor is required"',
  })

  const { secret } = await enrolTotp(app, pwd.access_token, clock)
  clock.advance(30)
  const challenge = await passwordGrant(app)
  const strong = await mfaGrant(app, { mfa_token: challenge.json().mfa_token, otp: totpCodeAt(secret, clock()) })
  assert.equal(strong.statusCode, 200, strong.body)
  const exported = await call('/export', strong.json().access_token)
  assert.equal(exported.status, 200)
  assert.ok((exported.body as { amr: string[] }).amr.includes('mfa'))

  await app.inject({ method: 'POST', url: '/logout', headers: bearer(strong.json().access_token) })
  assert.equal((await call('/export', strong.json().access_token)).status, 401, 'the ended session is refused at once')
})
