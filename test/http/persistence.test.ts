import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { closeDeps, createDeps } from '../../src/deps/create.js'
import { TEST_ENV } from '../helpers/build-app.js'
import { login, me, registerUser, refreshRequest } from '../helpers/fixtures.js'

test('users, keys, sessions and tokens survive a restart on the same database file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const env = { ...TEST_ENV, DATABASE_URL: `sqlite:${join(dir, 'nested', 'g.db')}` }
  const start = async () => {
    const deps = await createDeps(loadConfig(env))
    return { deps, app: await buildApp(deps) }
  }
  const first = await start()
  await registerUser(first.app)
  const tokens = await login(first.app)
  const jwks1 = (await first.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json()
  await first.app.close()
  await closeDeps(first.deps)

  const second = await start()
  t.after(async () => {
    await second.app.close()
    await closeDeps(second.deps)
  })
  assert.deepEqual((await second.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json(), jwks1, 'same key after restart')
  assert.equal((await me(second.app, tokens.access_token)).statusCode, 200, 'access token still valid')
  const refreshed = await second.app.inject(refreshRequest(tokens.refresh_token))
  assert.equal(refreshed.statusCode, 200, 'refresh token still valid')
  await login(second.app)
})
