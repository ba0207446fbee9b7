// Users imported from the FastAPI tutorial (passlib bcrypt hashes) log in and are upgraded.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import bcrypt from '@node-rs/bcrypt'
import { usernameKey } from '../../src/accounts/username.js'
import { buildTestApp } from '../helpers/build-app.js'
import { FORM, form, login } from '../helpers/fixtures.js'

// What passlib's CryptContext(schemes=["bcrypt"]) stored for the password "secret".
const PASSLIB_SECRET = '$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW'

async function importUser(deps: Awaited<ReturnType<typeof buildTestApp>>['deps'], username: string, passwordHash: string) {
  return deps.store.createUser({
    id: crypto.randomUUID(),
    username,
    usernameKey: usernameKey(username),
    email: null,
    emailKey: null,
    passwordHash,
    roles: ['user'],
    createdAt: new Date(),
  })
}

test('a passlib bcrypt hash verifies and is rehashed to argon2id at the first login', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const user = await importUser(deps, 'johndoe', PASSLIB_SECRET)
  const wrong = await app.inject({ method: 'POST', url: '/token', headers: FORM, payload: form({ username: 'johndoe', password: 'Secret' }) })
  assert.equal(wrong.statusCode, 401)
  assert.equal(await deps.store.findPasswordHash(user.id), PASSLIB_SECRET, 'a failed login changes nothing')
  await login(app, 'johndoe', 'secret')
  const upgraded = await deps.store.findPasswordHash(user.id)
  assert.match(upgraded!, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
  await login(app, 'johndoe', 'secret')
  assert.equal(await deps.store.findPasswordHash(user.id), upgraded, 'no rehash once current')
})

test('$2a$ and $2y$ prefixes verify too', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const h = await bcrypt.hash('legacy pass', 10)
  await importUser(deps, 'user2a', h.replace(/^\$2b\$/, '$2a$'))
  await importUser(deps, 'user2y', h.replace(/^\$2b\$/, '$2y$'))
  await login(app, 'user2a', 'legacy pass')
  await login(app, 'user2y', 'legacy pass')
})

test('an argon2id hash weaker than configured is upgraded at login', async (t) => {
  const { app, deps } = await buildTestApp(t, { ARGON2_MEMORY_KIB: '19456', ARGON2_ITERATIONS: '2' })
  const { hash } = await import('@node-rs/argon2')
  const weak = await hash('weak params pass', { memoryCost: 4096, timeCost: 1, parallelism: 1, algorithm: 2 })
  const user = await importUser(deps, 'weakling', weak)
  await login(app, 'weakling', 'weak params pass')
  assert.match((await deps.store.findPasswordHash(user.id))!, /m=19456,t=2,p=1/)
})
