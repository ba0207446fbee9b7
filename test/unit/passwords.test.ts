import assert from 'node:assert/strict'
import { test } from 'node:test'
import bcrypt from '@node-rs/bcrypt'
import { createPasswordHasher } from '../../src/passwords/hash.js'
import { loadCommonPasswords, passwordProblem } from '../../src/passwords/policy.js'
import { Semaphore } from '../../src/lib/semaphore.js'

const common = loadCommonPasswords()
const ctx = { username: 'alice', email: 'alice.smith@example.com', minLength: 8 }
const PARAMS = { memoryCost: 19456, timeCost: 2, parallelism: 1 }

test('policy accepts decent passphrases', () => {
  for (const p of ['correct horse battery', 'Tr0ub4dor&3x', 'x9Q!kL2#vB', 'ünïcødé pässwörd', '🔑🔑🔒 emoji key', 'alice-Xy7#kq9!zz']) {
    assert.equal(passwordProblem(p, ctx, common), null, p)
  }
})

test('policy refuses common, derived, repetitive and sequential passwords', () => {
  const refused: [string, RegExp][] = [
    ['password', /common/],
    ['Password1!', /common/],
    ['P4$$w0rd', /common/],
    ['qwertyuiop', /common/],
    ['iloveyou2', /common/],
    ['12345678', /common|sequential/],
    ['alice123', /username or email/],
    ['ecila12345', /username or email/],
    ['Alice.Smith', /username or email/],
    ['alice.smith@example.com', /username or email/],
    ['zzzzzzzzz', /repetitive/],
    ['abababab', /repetitive/],
    ['lmnopqrstu', /sequential/],
    ['short', /at least 8/],
  ]
  for (const [p, why] of refused) assert.match(passwordProblem(p, ctx, common) ?? 'accepted', why, p)
})

test('policy counts characters, not bytes, and judges 1,024-character inputs correctly', () => {
  assert.equal(passwordProblem('日本語のパスワード', ctx, common), null)
  // Its speed on long inputs is measured by `npm run bench`, not asserted here.
  assert.equal(passwordProblem('x9Q!kL2#'.repeat(128), ctx, common), null)
  assert.match(passwordProblem('ab'.repeat(512), ctx, common) ?? 'accepted', /repetitive/)
  assert.match(passwordProblem('a'.repeat(1025), ctx, common) ?? 'accepted', /at most 1024/)
})

test('hasher writes argon2id with the configured parameters and verifies it', async () => {
  const h = await createPasswordHasher(PARAMS, 2)
  const stored = await h.hash('some passphrase')
  assert.match(stored, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
  assert.deepEqual(await h.verify(stored, 'some passphrase'), { ok: true, needsRehash: false })
  assert.deepEqual(await h.verify(stored, 'some passphrasf'), { ok: false, needsRehash: false })
})

test('hasher never truncates: passwords sharing 72 bytes differ', async () => {
  const h = await createPasswordHasher(PARAMS, 2)
  const base = 'p'.repeat(72)
  const stored = await h.hash(`${base}-one`)
  assert.equal((await h.verify(stored, `${base}-two`)).ok, false)
})

test('hasher NFKC-normalises, so composed and decomposed forms match', async () => {
  const h = await createPasswordHasher(PARAMS, 2)
  const stored = await h.hash('caf\u00e9 passphrase')
  assert.equal((await h.verify(stored, 'cafe\u0301 passphrase')).ok, true)
})

test('legacy bcrypt verifies and asks for a rehash; bad hashes never throw', async () => {
  const h = await createPasswordHasher(PARAMS, 2)
  const legacy = await bcrypt.hash('old secret', 10)
  assert.deepEqual(await h.verify(legacy, 'old secret'), { ok: true, needsRehash: true })
  assert.deepEqual(await h.verify(legacy, 'wrong'), { ok: false, needsRehash: false })
  for (const junk of ['', 'plaintext', '$2b$10$short', '$argon2id$v=19$m=1,t=1,p=1$bad$bad', '$scrypt$x']) {
    assert.deepEqual(await h.verify(junk, 'x'), { ok: false, needsRehash: false }, junk)
  }
})

test('hashing runs off the event loop', async () => {
  const h = await createPasswordHasher(PARAMS, 2)
  const stored = await h.hash('x y z passphrase')
  let ticks = 0
  const timer = setInterval(() => ticks++, 5)
  await Promise.all(Array.from({ length: 6 }, () => h.verify(stored, 'nope')))
  clearInterval(timer)
  // Six verifies take ~100 ms of CPU; a blocked loop would not tick at all meanwhile.
  assert.ok(ticks > 3, `event loop ticked ${ticks} times during hashing`)
})

test('the semaphore runs at most `limit` tasks at once, in arrival order', async () => {
  const gate = new Semaphore(2)
  let running = 0
  let peak = 0
  const order: number[] = []
  await Promise.all(
    Array.from({ length: 7 }, (_, i) =>
      gate.run(async () => {
        running++
        peak = Math.max(peak, running)
        order.push(i)
        await new Promise((r) => setTimeout(r, 5))
        running--
      }),
    ),
  )
  assert.equal(peak, 2)
  assert.deepEqual(order, [0, 1, 2, 3, 4, 5, 6])
})
