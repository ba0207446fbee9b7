import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type TestContext, test } from 'node:test'
import { exportJWK, type JWTPayload, SignJWT } from 'jose'
import { verifyRequest } from '../../src/guards/verify-request.js'
import { createRemoteVerifier } from '../../src/verifier/remote-verifier.js'
import { buildTestApp } from '../helpers/build-app.js'
import { decodeJwt, login, registerUser } from '../helpers/fixtures.js'

test('another service verifies Gatehouse tokens over HTTP against the JWKS, and refuses forgeries', async (t) => {
  const { app } = await buildTestApp(t, { ISSUER: 'http://gatehouse.test' })
  const base = await app.listen({ host: '127.0.0.1', port: 0 })
  await registerUser(app)
  const tokens = await login(app)
  const verify = createRemoteVerifier({ issuer: 'http://gatehouse.test', audience: 'gatehouse', jwksUrl: `${base}/.well-known/jwks.json` })

  const claims = await verify.claims(tokens.access_token)
  assert.equal(claims.username, 'alice')
  assert.equal(claims.sid, decodeJwt(tokens.access_token).payload.sid)

  const { header, payload } = decodeJwt(tokens.access_token)
  const { privateKey } = generateKeyPairSync('ed25519')
  const forged = await new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(privateKey)
  await assert.rejects(verify.verify(forged), { code: 'invalid_token' })
  const wrongAudience = createRemoteVerifier({ issuer: 'http://gatehouse.test', audience: 'other', jwksUrl: `${base}/.well-known/jwks.json` })
  await assert.rejects(wrongAudience.verify(tokens.access_token), { code: 'invalid_token' })
  const wrongAlg = createRemoteVerifier({
    issuer: 'http://gatehouse.test',
    audience: 'gatehouse',
    jwksUrl: `${base}/.well-known/jwks.json`,
    algorithm: 'ES256',
  })
  await assert.rejects(wrongAlg.verify(tokens.access_token), { code: 'invalid_token' })
})

/** A JWKS served on a socket, with the key that signs `sign(payload)`'s tokens. */
async function localIssuer(t: TestContext) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA', use: 'sig' }
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  t.after(() => new Promise<void>((r) => server.close(() => r())))
  const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`
  const now = Math.floor(Date.now() / 1000)
  const base = {
    iss: 'https://auth.example.test',
    aud: 'gatehouse',
    sub: 'u1',
    sid: 's1',
    jti: 'j1',
    iat: now,
    exp: now + 600,
    scope: 'read',
    amr: ['pwd'],
    username: 'alice',
  }
  const sign = (over: Record<string, unknown>) =>
    new SignJWT({ ...base, ...over } as JWTPayload).setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: 'k1' }).sign(privateKey)
  return { jwksUrl, sign, server }
}

test('the remote verifier refuses claims of the wrong type (control: the well-typed token passes)', async (t) => {
  const { jwksUrl, sign } = await localIssuer(t)
  const v = createRemoteVerifier({ issuer: 'https://auth.example.test', audience: 'gatehouse', jwksUrl })
  const ok = await v.verify(await sign({}))
  assert.deepEqual([ok.userId, ok.sessionId, ok.scopes, ok.amr], ['u1', 's1', ['read'], ['pwd']])
  for (const bad of [{ amr: 'otp_mfa' }, { amr: [1] }, { sid: { x: 1 } }, { sub: 7 }, { scope: ['admin'] }, { username: {} }, { sid: '' }, { sub: '' }]) {
    await assert.rejects(v.verify(await sign(bad)), { code: 'invalid_token' }, JSON.stringify(bad))
  }
})

test('an unreachable JWKS is a 503 with Retry-After, not a 401 that would send every client back to /token (control: reachable, 200)', async (t) => {
  const { jwksUrl, sign, server } = await localIssuer(t)
  const token = await sign({})
  const reasons: string[] = []
  const reachable = createRemoteVerifier({ issuer: 'https://auth.example.test', audience: 'gatehouse', jwksUrl })
  assert.ok((await verifyRequest(reachable, { authorization: `Bearer ${token}` })).ok)
  await new Promise<void>((r) => server.close(() => r()))
  const fresh = createRemoteVerifier({ issuer: 'https://auth.example.test', audience: 'gatehouse', jwksUrl, onRefused: (r) => reasons.push(r) })
  const down = await verifyRequest(fresh, { authorization: `Bearer ${token}` })
  assert.ok(!down.ok)
  assert.equal(down.status, 503)
  assert.equal(down.headers['retry-after'], '1')
  assert.deepEqual(down.body, { detail: 'Signing keys unavailable; retry shortly' })
  assert.match(reasons[0]!, /JWKS .* could not be fetched/)
})
