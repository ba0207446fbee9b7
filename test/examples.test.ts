import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildNotesApi } from '../examples/protected-api.js'
import { closeDeps } from '../src/deps.js'
import { TEST_ENV } from './helpers/build-app.js'
import { bearer, login, registerUser } from './helpers/fixtures.js'

test('the example protects its own routes with requireUser and requireScope', async (t) => {
  const { app, deps } = await buildNotesApi(TEST_ENV)
  t.after(async () => {
    await app.close()
    await closeDeps(deps)
  })
  const anon = await app.inject({ method: 'GET', url: '/notes' })
  assert.equal(anon.statusCode, 401)
  assert.deepEqual(anon.json(), { detail: 'Not authenticated' })

  const user = await registerUser(app)
  const { access_token } = await login(app)
  const notes = await app.inject({ method: 'GET', url: '/notes', headers: bearer(access_token) })
  assert.equal(notes.statusCode, 200)
  assert.deepEqual(notes.json(), { owner: 'alice', notes: ['hello, alice'] })

  const all = await app.inject({ method: 'GET', url: '/notes/all', headers: bearer(access_token) })
  assert.equal(all.statusCode, 403)
  assert.equal(all.headers['www-authenticate'], 'Bearer error="insufficient_scope", scope="admin"')

  await deps.store.updateUser(user.id, { roles: ['user', 'admin'] }, new Date())
  const admin = await login(app)
  assert.equal((await app.inject({ method: 'GET', url: '/notes/all', headers: bearer(admin.access_token) })).statusCode, 200)

  await app.inject({ method: 'POST', url: '/logout', headers: bearer(access_token) })
  assert.equal((await app.inject({ method: 'GET', url: '/notes', headers: bearer(access_token) })).statusCode, 401, 'logout reaches integrator routes at once')
})
