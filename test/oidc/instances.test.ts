// Two instances on one database (SQLite file, or PostgreSQL with TEST_STORE=postgres; with Redis
// there too): a code issued by one is redeemed on the other, a replay on either revokes, and a
// consent taken back on one is seen by the other at once.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildTestApp, sharedDatabase } from '../helpers/build-app.js'
import { bearer, login, me } from '../helpers/fixtures.js'
import { authorizeCode, authorizeUrl, exchange, pkce, registerClient, signedInBrowser } from '../helpers/oidc.js'
import { TEST_ON_POSTGRES, TEST_REDIS_URL } from '../helpers/postgres.js'

const REDIS: Record<string, string> = TEST_ON_POSTGRES ? { REDIS_URL: TEST_REDIS_URL } : {}

test('two instances: a code from A is redeemed on B, replayed on A it revokes; a consent revoked on B is gone on A', async (t) => {
  const env = { ...sharedDatabase(t), ...REDIS }
  const a = await buildTestApp(t, env)
  const b = await buildTestApp(t, env)
  const client = await registerClient(a.app, a.deps)
  const { page } = await signedInBrowser(a.app)
  const code = await authorizeCode(page, client)
  const tokens = await exchange(b.app, client, code)
  assert.equal(tokens.statusCode, 200, tokens.body)
  const { access_token } = tokens.json()
  assert.equal((await me(a.app, access_token)).statusCode, 200, "B's tokens open A")
  const replay = await exchange(a.app, client, code)
  assert.equal(replay.json().error, 'invalid_grant')
  assert.equal((await me(b.app, access_token)).statusCode, 401, 'revoked on both')

  const second = (await exchange(a.app, client, await authorizeCode(page, client))).json()
  const api = await login(b.app, 'alice', 'correct horse battery')
  const del = await b.app.inject({ method: 'DELETE', url: `/users/me/grants/${client.client_id}`, headers: bearer(api.access_token) })
  assert.equal(del.statusCode, 204)
  assert.equal((await me(a.app, second.access_token)).statusCode, 401, "the client's session ended on A too")
  const again = await page.get(authorizeUrl(client, { code_challenge: pkce().challenge }))
  assert.equal(again.statusCode, 200)
  assert.match(again.body, /value="allow"/, 'A asks for consent again')
})
