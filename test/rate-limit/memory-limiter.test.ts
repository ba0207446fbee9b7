import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createMemoryLimiter } from '../../src/rate-limit/memory-limiter.js'
import { limiterContract } from './limiter-contract.js'

limiterContract('memory', async () => createMemoryLimiter())

test('memory: past maxKeys new keys are refused rather than growing without bound', async () => {
  const l = createMemoryLimiter(2)
  const rule = { name: 'cap', limit: 5, windowSeconds: 60 }
  const now = new Date()
  assert.equal((await l.consume('a', rule, now)).allowed, true)
  assert.equal((await l.consume('b', rule, now)).allowed, true)
  assert.equal((await l.consume('c', rule, now)).allowed, false)
  assert.equal((await l.consume('a', rule, now)).allowed, true, 'known keys still counted')
  assert.equal((await l.consume('c', rule, new Date(now.getTime() + 61_000))).allowed, true, 'expired windows are swept')
})
