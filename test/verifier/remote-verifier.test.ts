import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { test } from 'node:test'
import { SignJWT } from 'jose'
import { createRemoteVerifier } from '../../src/verifier/remote-verifier.js'
import { buildTestApp } from '../helpers/build-app.js'
import { decodeJwt, login, registerUser } from '../helpers/fixtures.js'

test('another service verifies Gatehouse tokens over HTTP against the JWKS, and refuses forgeries', async (t) => {
  const { app } = await buildTestApp(t, { ISSUER: 'http://gatehouse.test' })
  const base = await app.listen({ host: '127.0.0.1', port: 0 })
  await registerUser(app)
  const tokens = await login(app)
  const verify = createRemoteVerifier({ issuer: 'http://gatehouse.test', audience: 'gatehouse', jwksUrl: `${base}/.well-known/jwks.json` })

  const claims = await verify(tokens.access_token)
  assert.equal(claims.username, 'alice')
  assert.equal(claims.sid, decodeJwt(tokens.access_token).payload.sid)

  const { header, payload } = decodeJwt(tokens.access_token)
  const { privateKey } = generateKeyPairSync('ed25519')
  const forged = await new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(privateKey)
  await assert.rejects(verify(forged))
  const wrongAudience = createRemoteVerifier({ issuer: 'http://gatehouse.test', audience: 'other', jwksUrl: `${base}/.well-known/jwks.json` })
  await assert.rejects(wrongAudience(tokens.access_token))
  const wrongAlg = createRemoteVerifier({
    issuer: 'http://gatehouse.test',
    audience: 'gatehouse',
    jwksUrl: `${base}/.well-known/jwks.json`,
    algorithm: 'ES256',
  })
  await assert.rejects(wrongAlg(tokens.access_token))
})
