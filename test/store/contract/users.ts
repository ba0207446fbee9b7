import assert from 'node:assert/strict'
import { StoreConflictError } from '../../../src/store/store.js'
import { at, newUser, type Open, storeTest, T0 } from './helpers.js'

export function userStoreContract(name: string, open: Open): void {
  const t = storeTest(name, open)

  t('users round-trip; absent rows are null', async (s) => {
    const u = newUser('Alice', 'alice@example.com')
    const created = await s.createUser(u)
    assert.equal(created.username, 'Alice')
    const found = await s.findUserById(u.id)
    assert.deepEqual(found, created)
    assert.deepEqual(await s.findUserByUsernameKey('alice'), created)
    assert.equal((await s.findUserForLogin('alice'))?.passwordHash, u.passwordHash)
    assert.equal(await s.findPasswordHash(u.id), u.passwordHash)
    assert.equal(await s.findUserById(crypto.randomUUID()), null)
    assert.equal(await s.findUserByUsernameKey('nobody'), null)
    assert.equal(await s.findUserForLogin('nobody'), null)
    assert.equal(await s.findPasswordHash(crypto.randomUUID()), null)
    assert.ok(!('passwordHash' in found!), 'findUserById never carries the hash')
    assert.equal(await s.findSlowestLegacyHash(), null)
    const b10 = `$2b$10$${'a'.repeat(53)}`
    const b12 = `$2b$12$${'b'.repeat(53)}`
    await s.createUser({ ...newUser('legacy10'), passwordHash: b10 })
    await s.createUser({ ...newUser('legacy12'), passwordHash: b12 })
    assert.equal(await s.findSlowestLegacyHash(), b12, 'the highest bcrypt cost')
  })

  t('concurrent registrations of one name: exactly one is stored, the others conflict on username', async (s) => {
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => s.createUser(newUser('Racer'))))
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1)
    for (const r of results) if (r.status === 'rejected') assert.deepEqual([r.reason instanceof StoreConflictError, r.reason.field], [true, 'username'])
    assert.equal((await s.listUsers({ prefix: 'racer', limit: 10 })).length, 1)
  })

  t('username and email conflicts name their field', async (s) => {
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

  t('updateUser patches only what it is given; updatePasswordHash is a compare-and-swap', async (s) => {
    const u = await s.createUser(newUser('dave', 'd@x.io'))
    const patched = await s.updateUser(u.id, { emailVerified: true, roles: ['user', 'admin'] }, at(5))
    assert.equal(patched?.emailVerified, true)
    assert.deepEqual(patched?.roles, ['user', 'admin'])
    assert.equal(patched?.email, 'd@x.io')
    assert.deepEqual(patched?.updatedAt, at(5))
    assert.deepEqual(patched?.createdAt, T0)
    assert.equal(await s.updateUser(crypto.randomUUID(), { disabled: true }, T0), null)
    assert.equal(await s.updatePasswordHash(u.id, 'not-current', 'new', T0), false)
    assert.equal(await s.updatePasswordHash(u.id, '$argon2id$hash-of-dave', 'new', T0), true)
    assert.equal(await s.findPasswordHash(u.id), 'new')
  })

  t('listUsers pages by username key, exactly once each, and filters by prefix of username or email', async (s) => {
    const names = ['zoe', 'Adam', 'bob', 'Bea', 'carl', 'dina', 'ed', 'faye']
    for (const n of names) await s.createUser(newUser(n, n === 'ed' ? 'bobby@x.io' : null))
    const seen: string[] = []
    let after: string | undefined
    for (;;) {
      const page = await s.listUsers({ afterUsernameKey: after, limit: 3 })
      if (page.length === 0) break
      seen.push(...page.map((u) => u.username))
      after = page.at(-1)!.username.toLowerCase()
      if (seen.length === 3) await s.createUser(newUser('aaron')) // inserted behind the cursor: not revisited
    }
    assert.deepEqual(seen, ['Adam', 'Bea', 'bob', 'carl', 'dina', 'ed', 'faye', 'zoe'])
    assert.deepEqual(
      (await s.listUsers({ prefix: 'b', limit: 10 })).map((u) => u.username),
      ['Bea', 'bob', 'ed'],
      'bob prefix, Bea, and ed by email',
    )
    assert.deepEqual(
      (await s.listUsers({ prefix: '%', limit: 10 })).map((u) => u.username),
      [],
      'wildcards are literal',
    )
    await s.createUser(newUser('😀smile'))
    assert.deepEqual(
      (await s.listUsers({ prefix: '😀s', limit: 10 })).map((u) => u.username),
      ['😀smile'],
      'a prefix outside the BMP counts characters, not UTF-16 units',
    )
  })

  t('deleting a user removes its sessions and tokens', async (s) => {
    const u = await s.createUser(newUser('jack'))
    const sess = await s.createSession({
      id: crypto.randomUUID(),
      userId: u.id,
      scope: 'user',
      refreshHash: 'x1',
      createdAt: T0,
      expiresAt: at(3600),
      idleExpiresAt: at(600),
      userAgent: null,
      ip: null,
      amr: ['pwd'],
      authTime: T0,
    })
    await s.createOneTimeToken({ tokenHash: 'ott-jack', userId: u.id, purpose: 'p', data: null, createdAt: T0, expiresAt: at(60) }, false)
    assert.equal(await s.deleteUser(u.id), true)
    assert.equal(await s.deleteUser(u.id), false)
    assert.equal(await s.findSessionWithUser(sess.id), null)
    assert.equal(await s.consumeOneTimeToken('ott-jack', 'p', T0), null)
    const r = await s.rotateRefreshToken({ oldHash: 'x1', newHash: 'x2', sealedSuccessor: 's', now: at(1), idleExpiresAt: at(600), graceSeconds: 0 })
    assert.deepEqual(r, { status: 'gone' })
  })
}
