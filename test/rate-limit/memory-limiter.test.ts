import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createMemoryLimiter } from '../../src/rate-limit/memory-limiter.js'
import { limiterContract } from './limiter-contract.js'

limiterContract('memory', async () => createMemoryLimiter())

// @see issue 6: a full table refused every new key, locking everyone out.
test('memory: a full table evicts the least recently used key instead of refusing new ones, per rule', async () => {
  const l = createMemoryLimiter(2)
  const rule = { name: 'cap', limit: 1, windowSeconds: 60 }
  const other = { name: 'other', limit: 1, windowSeconds: 60 }
  const now = new Date()
  assert.equal((await l.consume('a', rule, now)).allowed, true)
  assert.equal((await l.consume('a', other, now)).allowed, true)
  assert.equal((await l.consume('b', rule, now)).allowed, true)
  assert.equal((await l.consume('c', rule, now)).allowed, true, 'a new key is counted, not refused')
  assert.equal((await l.consume('a', rule, now)).allowed, true, 'the oldest key was evicted: it starts over')
  assert.equal((await l.consume('a', other, now)).allowed, false, "another rule's table kept its own keys")
})
