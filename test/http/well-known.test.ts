import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildTestApp } from '../helpers/build-app.js'
import { decodeJwt, login, me, registerUser } from '../helpers/fixtures.js'

test("JWKS publishes the public signing keys only (the access tokens' and the ID tokens' RS256 key), with caching headers", async (t) => {
  const { app } = await buildTestApp(t)
  const res = await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })
  assert.equal(res.statusCode, 200)
  assert.match(res.headers['cache-control'] as string, /max-age=\d+/)
  const { keys } = res.json()
  assert.equal(keys.length, 2)
  assert.deepEqual(Object.keys(keys[0]).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x'])
  assert.equal(keys[0].alg, 'EdDSA')
  assert.equal(keys[0].use, 'sig')
  assert.deepEqual(Object.keys(keys[1]).sort(), ['alg', 'e', 'kid', 'kty', 'n', 'use'], 'the ID-token key: public RSA members only')
  assert.equal(keys[1].alg, 'RS256')
  await registerUser(app)
  const { access_token } = await login(app)
  assert.equal(decodeJwt(access_token).header.kid, keys[0].kid)
})

test('JWKS never holds private or symmetric material, for every algorithm', async (t) => {
  for (const alg of ['ES256', 'RS256']) {
    const { app } = await buildTestApp(t, { JWT_ALG: alg })
    const { keys } = (await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json()
    assert.equal(keys[0].alg, alg)
    for (const key of keys) for (const k of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) assert.equal(key[k], undefined, `${alg} ${k}`)
    await registerUser(app)
    const { access_token } = await login(app)
    assert.equal(decodeJwt(access_token).header.alg, alg)
    assert.equal((await me(app, access_token)).statusCode, 200)
  }
  const { app } = await buildTestApp(t, { JWT_ALG: 'HS256', JWT_SECRET: 'k'.repeat(16) + 'Q7#v'.repeat(4) })
  const hsKeys = (await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json().keys
  assert.deepEqual(
    hsKeys.map((k: { alg: string; k?: string }) => [k.alg, k.k]),
    [['RS256', undefined]],
    'the secret never: only the ID-token key',
  )
  await registerUser(app)
  const { access_token } = await login(app)
  assert.equal(decodeJwt(access_token).header.alg, 'HS256')
  assert.equal((await me(app, access_token)).statusCode, 200)
})

test('a token signed under one algorithm is refused when the server is configured for another', async (t) => {
  const secret = 'shared-secret-of-at-least-32-bytes!!'
  const hs = await buildTestApp(t, { JWT_ALG: 'HS256', JWT_SECRET: secret, DATABASE_URL: 'sqlite::memory:' })
  await registerUser(hs.app)
  const { access_token } = await login(hs.app)
  const ed = await buildTestApp(t)
  assert.equal((await me(ed.app, access_token)).statusCode, 401)
})

test('RFC 8414 metadata names the endpoints', async (t) => {
  const { app } = await buildTestApp(t, { ISSUER: 'https://auth.example.com' })
  const res = await app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' })
  assert.equal(res.statusCode, 200)
  const m = res.json()
  assert.equal(m.issuer, 'https://auth.example.com')
  assert.equal(m.token_endpoint, 'https://auth.example.com/token')
  assert.equal(m.jwks_uri, 'https://auth.example.com/.well-known/jwks.json')
  assert.equal(m.revocation_endpoint, 'https://auth.example.com/revoke')
  assert.deepEqual(m.grant_types_supported, [
    'password',
    'urn:gatehouse:grant-type:mfa-otp',
    'refresh_token',
    'urn:gatehouse:grant-type:passkey',
    'authorization_code',
    'client_credentials',
  ])
  // Every advertised grant is one the token endpoint accepts (it answers something other than unsupported_grant_type).
  for (const grant of m.grant_types_supported as string[]) {
    const r = await app.inject({
      method: 'POST',
      url: '/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `grant_type=${encodeURIComponent(grant)}`,
    })
    assert.notEqual(r.json().error, 'unsupported_grant_type', grant)
  }
  assert.deepEqual(m.token_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post', 'none'])
  assert.deepEqual(m.scopes_supported, ['openid', 'profile', 'email', 'offline_access', 'user', 'admin'])
})
