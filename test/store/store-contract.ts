// One suite for every Store back end: the only way two back ends stay in step.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { StoreConflictError, type NewSession, type NewUser, type Store } from '../../src/store/store.js'

const T0 = new Date('2026-11-28T12:00:00Z')
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000)

const newUser = (name: string, email: string | null = null): NewUser => ({
  id: crypto.randomUUID(),
  username: name,
  usernameKey: name.toLowerCase(),
  email,
  emailKey: email?.toLowerCase() ?? null,
  passwordHash: `$argon2id$hash-of-${name}`,
  roles: ['user'],
  createdAt: T0,
})
const newSession = (userId: string, refreshHash: string, over: Partial<NewSession> = {}): NewSession => ({
  id: crypto.randomUUID(),
  userId,
  scope: 'user',
  refreshHash,
  createdAt: T0,
  expiresAt: at(3600),
  idleExpiresAt: at(600),
  userAgent: 'ua',
  ip: '127.0.0.1',
  ...over,
})

export function storeContract(name: string, open: () => Promise<Store>): void {
  const withStore = (title: string, fn: (s: Store) => Promise<void>) =>
    test(`${name}: ${title}`, async () => {
      const s = await open()
      try {
        await fn(s)
      } finally {
        await s.close()
      }
    })

  withStore('users round-trip; absent rows are null', async (s) => {
    const u = newUser('Alice', 'alice@example.com')
    const created = await s.createUser(u)
    assert.equal(created.username, 'Alice')
    const found = await s.findUserById(u.id)
    assert.deepEqual(found, created)
    assert.equal((await s.findUserForLogin('alice'))?.passwordHash, u.passwordHash)
    assert.equal(await s.findPasswordHash(u.id), u.passwordHash)
    assert.equal(await s.findUserById(crypto.randomUUID()), null)
    assert.equal(await s.findUserForLogin('nobody'), null)
    assert.equal(await s.findPasswordHash(crypto.randomUUID()), null)
    assert.ok(!('passwordHash' in found!), 'findUserById never carries the hash')
  })

  withStore('username and email conflicts name their field', async (s) => {
    await s.createUser(newUser('alice', 'a@x.io'))
    await assert.rejects(s.createUser(newUser('ALICE')), (e) => e instanceof StoreConflictError && e.field === 'username')
    await assert.rejects(s.createUser(newUser('bob', 'A@x.io')), (e) => e instanceof StoreConflictError && e.field === 'email')
    const bob = await s.createUser(newUser('bob'))
    await assert.rejects(
      s.updateUser(bob.id, { email: { email: 'a@x.io', emailKey: 'a@x.io' } }, T0),
      (e) => e instanceof StoreConflictError && e.field === 'email',
    )
    await s.createUser(newUser('carol')) // two users without email do not conflict
  })

  withStore('updateUser patches only what it is given; updatePasswordHash is a compare-and-swap', async (s) => {
    const u = await s.createUser(newUser('dave', 'd@x.io'))
    const patched = await s.updateUser(u.id, { emailVerified: true, roles: ['user', 'admin'] }, at(5))
    assert.equal(patched?.emailVerified, true)
    assert.deepEqual(patched?.roles, ['user', 'admin'])
    assert.equal(patched?.email, 'd@x.io')
    assert.deepEqual(patched?.updatedAt, at(5))
    assert.equal(await s.updateUser(crypto.randomUUID(), { disabled: true }, T0), null)
    assert.equal(await s.updatePasswordHash(u.id, 'not-current', 'new', T0), false)
    assert.equal(await s.updatePasswordHash(u.id, '$argon2id$hash-of-dave', 'new', T0), true)
    assert.equal(await s.findPasswordHash(u.id), 'new')
  })

  withStore('sessions: create, find with user, list live ones, end', async (s) => {
    const u = await s.createUser(newUser('erin'))
    const a = await s.createSession(newSession(u.id, 'h-a'))
    const b = await s.createSession(newSession(u.id, 'h-b', { createdAt: at(1) }))
    const found = await s.findSessionWithUser(a.id)
    assert.equal(found?.user.id, u.id)
    assert.deepEqual(found?.session, a)
    assert.deepEqual(
      (await s.listSessionsForUser(u.id, at(2))).map((x) => x.id),
      [b.id, a.id],
    )
    assert.equal(await s.endSession(a.id, at(3)), true)
    assert.equal(await s.endSession(a.id, at(4)), false, 'already ended')
    assert.deepEqual((await s.findSessionWithUser(a.id))?.session.endedAt, at(3))
    assert.deepEqual(
      (await s.listSessionsForUser(u.id, at(5))).map((x) => x.id),
      [b.id],
    )
    assert.deepEqual(await s.listSessionsForUser(u.id, at(601)), [], 'idled out')
    assert.equal(await s.findSessionWithUser(crypto.randomUUID()), null)
  })

  withStore('rotation: rotated, then the old hash is reuse and ends the session', async (s) => {
    const u = await s.createUser(newUser('frank'))
    const sess = await s.createSession(newSession(u.id, 'h1'))
    const r1 = await s.rotateRefreshToken({ oldHash: 'h1', newHash: 'h2', now: at(10), idleExpiresAt: at(700) })
    assert.equal(r1.status, 'rotated')
    if (r1.status === 'rotated') {
      assert.equal(r1.session.id, sess.id)
      assert.deepEqual(r1.session.lastUsedAt, at(10))
      assert.deepEqual(r1.session.idleExpiresAt, at(700))
      assert.equal(r1.user.id, u.id)
    }
    assert.deepEqual((await s.findSessionByRefreshHash('h1'))?.session.id, sess.id)
    assert.equal((await s.findSessionByRefreshHash('h1'))?.spent, true)
    assert.equal((await s.findSessionByRefreshHash('h2'))?.spent, false)
    assert.equal(await s.findSessionByRefreshHash('nope'), null)
    const reuse = await s.rotateRefreshToken({ oldHash: 'h1', newHash: 'h3', now: at(20), idleExpiresAt: at(700) })
    assert.deepEqual(reuse, { status: 'reused', sessionId: sess.id })
    assert.ok((await s.findSessionWithUser(sess.id))?.session.endedAt)
    const after = await s.rotateRefreshToken({ oldHash: 'h2', newHash: 'h4', now: at(30), idleExpiresAt: at(700) })
    assert.deepEqual(after, { status: 'gone' })
    assert.deepEqual(await s.rotateRefreshToken({ oldHash: 'unknown', newHash: 'h5', now: at(30), idleExpiresAt: at(700) }), { status: 'gone' })
  })

  withStore('rotation: never past the absolute or idle end', async (s) => {
    const u = await s.createUser(newUser('gina'))
    await s.createSession(newSession(u.id, 'i1'))
    const r = await s.rotateRefreshToken({ oldHash: 'i1', newHash: 'i2', now: at(500), idleExpiresAt: at(99999) })
    assert.equal(r.status, 'rotated')
    if (r.status === 'rotated') assert.deepEqual(r.session.idleExpiresAt, at(3600), 'idle end capped at the absolute end')
    assert.deepEqual(await s.rotateRefreshToken({ oldHash: 'i2', newHash: 'i3', now: at(3600), idleExpiresAt: at(99999) }), { status: 'gone' })
    await s.createSession(newSession(u.id, 'j1'))
    assert.deepEqual(await s.rotateRefreshToken({ oldHash: 'j1', newHash: 'j2', now: at(601), idleExpiresAt: at(1200) }), { status: 'gone' })
  })

  withStore('concurrent rotations of one token: exactly one rotates', async (s) => {
    const u = await s.createUser(newUser('hank'))
    await s.createSession(newSession(u.id, 'k1'))
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => s.rotateRefreshToken({ oldHash: 'k1', newHash: `k-new-${i}`, now: at(5), idleExpiresAt: at(600) })),
    )
    assert.equal(results.filter((r) => r.status === 'rotated').length, 1)
  })

  withStore('ending by refresh hash (current or rotated) and for a whole user', async (s) => {
    const u = await s.createUser(newUser('ivy'))
    const a = await s.createSession(newSession(u.id, 'a1'))
    await s.rotateRefreshToken({ oldHash: 'a1', newHash: 'a2', now: at(1), idleExpiresAt: at(600) })
    assert.equal(await s.endSessionByRefreshHash('a1', at(2)), true, 'a rotated token still names its session')
    assert.equal(await s.endSessionByRefreshHash('a2', at(3)), false, 'already ended')
    assert.equal(await s.endSessionByRefreshHash('zzz', at(3)), false)
    assert.ok((await s.findSessionWithUser(a.id))?.session.endedAt)
    const b = await s.createSession(newSession(u.id, 'b1'))
    await s.createSession(newSession(u.id, 'c1'))
    await s.createSession(newSession(u.id, 'd1'))
    assert.equal(await s.endSessionsForUser(u.id, at(4), b.id), 2)
    assert.deepEqual(
      (await s.listSessionsForUser(u.id, at(5))).map((x) => x.id),
      [b.id],
    )
  })

  withStore('deleting a user removes its sessions and tokens', async (s) => {
    const u = await s.createUser(newUser('jack'))
    const sess = await s.createSession(newSession(u.id, 'x1'))
    assert.equal(await s.deleteUser(u.id), true)
    assert.equal(await s.deleteUser(u.id), false)
    assert.equal(await s.findSessionWithUser(sess.id), null)
    assert.deepEqual(await s.rotateRefreshToken({ oldHash: 'x1', newHash: 'x2', now: at(1), idleExpiresAt: at(600) }), { status: 'gone' })
  })

  withStore('ensureSigningKey inserts once per algorithm', async (s) => {
    const row = (kid: string, alg = 'EdDSA') => ({ kid, alg, publicJwk: '{}', privateJwk: '{}', createdAt: T0, activatesAt: T0, retiresAt: null })
    assert.deepEqual(
      (await s.ensureSigningKey(row('k1'), T0)).map((k) => k.kid),
      ['k1'],
    )
    assert.deepEqual(
      (await s.ensureSigningKey(row('k2'), T0)).map((k) => k.kid),
      ['k1'],
      'a live key for the alg exists',
    )
    assert.deepEqual(
      (await s.ensureSigningKey(row('k3', 'ES256'), T0)).map((k) => k.kid),
      ['k1', 'k3'],
    )
    assert.deepEqual(await s.listSigningKeys(), await s.ensureSigningKey(row('k4'), T0))
  })
}
