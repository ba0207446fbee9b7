// The refresh-rotation decision, without a database (both back ends run it inside their transaction).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { decideRotation } from '../../src/store/sql/rotation.js'
import type { RotateArgs, Session } from '../../src/store/store.js'

const T = new Date('2026-11-28T12:00:00Z')
const s = (sec: number) => new Date(T.getTime() + sec * 1000)
const session = (over: Partial<Session> = {}): Session => ({
  id: 'sess',
  userId: 'u',
  scope: 'user',
  createdAt: T,
  lastUsedAt: T,
  expiresAt: s(3600),
  idleExpiresAt: s(600),
  endedAt: null,
  userAgent: null,
  ip: null,
  amr: ['pwd'],
  authTime: T,
  clientId: null,
  ...over,
})
const args = (now: number, graceSeconds: number, over: Partial<RotateArgs> = {}): RotateArgs => ({
  oldHash: 'old',
  newHash: 'new',
  sealedSuccessor: 'sealed-new',
  now: s(now),
  idleExpiresAt: s(now + 600),
  graceSeconds,
  ...over,
})
const unused = { usedAt: null, sealedSuccessor: null }

test('rotation: an unknown token or an ended session is gone', () => {
  assert.deepEqual(decideRotation(null, session(), args(10, 0)), { action: 'gone' })
  assert.deepEqual(decideRotation(unused, null, args(10, 0)), { action: 'gone' })
  assert.deepEqual(decideRotation(unused, session({ endedAt: s(5) }), args(10, 0)), { action: 'gone' })
  assert.deepEqual(decideRotation({ usedAt: s(9), sealedSuccessor: 'x' }, session({ endedAt: s(5) }), args(10, 30)), { action: 'gone' })
})

test('rotation: an unused token rotates; the seal is kept only with a grace; the idle end is capped', () => {
  assert.deepEqual(decideRotation(unused, session(), args(10, 30)), {
    action: 'rotate',
    sealed: 'sealed-new',
    dropSealsUsedBy: s(-20),
    idleExpiresAt: s(610),
  })
  const noGrace = decideRotation(unused, session(), args(10, 0))
  assert.equal(noGrace.action === 'rotate' && noGrace.sealed, null, 'no grace, no seal')
  const late = decideRotation(unused, session(), args(3500, 0))
  assert.deepEqual(late.action === 'rotate' && late.idleExpiresAt, s(3600), 'never past the absolute end')
})

test('rotation: a spent token within the grace is a replay; at or after it, or without a seal, reuse', () => {
  const spent = { usedAt: s(100), sealedSuccessor: 'sealed-first' }
  assert.deepEqual(decideRotation(spent, session(), args(109, 10)), { action: 'replay', sealedSuccessor: 'sealed-first' })
  assert.deepEqual(decideRotation(spent, session(), args(110, 10)), { action: 'reuse' }, 'the grace is exclusive')
  assert.deepEqual(decideRotation(spent, session(), args(101, 0)), { action: 'reuse' }, 'no grace')
  assert.deepEqual(decideRotation({ usedAt: s(100), sealedSuccessor: null }, session(), args(101, 10)), { action: 'reuse' }, 'seal dropped')
})
