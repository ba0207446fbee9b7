import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { BackoffRule, ConsumeResult, RateLimiter } from './limiter.js'

// Each operation is one Lua script: Redis runs it atomically, so instances never race on a key.
// Times come from the caller (ARGV), as in the memory back end; expiries are relative, so a key
// lives exactly as long as its window or its failures are remembered.

const CONSUME = `
local t, win, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local reset = tonumber(redis.call('HGET', KEYS[1], 'r') or '0')
local count
if reset <= t then
  reset = t + win
  count = 1
  redis.call('HSET', KEYS[1], 'r', reset, 'c', 1)
else
  count = redis.call('HINCRBY', KEYS[1], 'c', 1)
end
redis.call('PEXPIRE', KEYS[1], math.max(1, reset - t))
return {count, tostring(reset)}`

const BACKOFF_STATE = `
local function state(key, t)
  local v = redis.call('HMGET', key, 'f', 'b', 'g')
  local g = tonumber(v[3] or '0')
  if g <= t then return 0, 0 end
  return tonumber(v[1]), tonumber(v[2])
end`

const CHECK = `${BACKOFF_STATE}
local f, b = state(KEYS[1], tonumber(ARGV[1]))
return tostring(b)`

const FAIL = `${BACKOFF_STATE}
local t, free, base, max, forget = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local f, b = state(KEYS[1], t)
f = f + 1
local over = f - free
if over > 0 then
  local seconds = math.min(max, base * 2 ^ math.min(over - 1, 30))
  b = math.max(b, t + seconds * 1000)
end
redis.call('HSET', KEYS[1], 'f', f, 'b', b, 'g', t + forget * 1000)
redis.call('PEXPIRE', KEYS[1], forget * 1000)
return tostring(b)`

// Compare-and-delete: only the holder frees its slot.
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`

type Scripted = Redis & {
  ghConsume(key: string, t: number, windowMs: number, limit: number): Promise<[number, string]>
  ghCheck(key: string, t: number): Promise<string>
  ghFail(key: string, t: number, free: number, base: number, max: number, forget: number): Promise<string>
  ghRelease(key: string, holder: string): Promise<number>
}

const retryAfter = (until: number, t: number) => Math.max(1, Math.ceil((until - t) / 1000))
const blocked = (until: number, t: number): ConsumeResult => (until > t ? { allowed: false, retryAfterSeconds: retryAfter(until, t) } : { allowed: true })

/**
 * The limiter shared by every instance on one Redis (the same contract suite as the memory one).
 * `prefix` namespaces the keys, so several deployments (or test runs) can share a server.
 */
export function createRedisLimiter(redis: Redis, prefix: string): RateLimiter {
  const r = redis as unknown as Scripted
  if (typeof (redis as unknown as { ghConsume?: unknown }).ghConsume !== 'function') {
    r.defineCommand('ghConsume', { numberOfKeys: 1, lua: CONSUME })
    r.defineCommand('ghCheck', { numberOfKeys: 1, lua: CHECK })
    r.defineCommand('ghFail', { numberOfKeys: 1, lua: FAIL })
    r.defineCommand('ghRelease', { numberOfKeys: 1, lua: RELEASE })
  }
  const k = (kind: string, rule: { name: string }, key: string) => `${prefix}${kind}:${rule.name}:${key}`
  return {
    async consume(key, rule, now) {
      const t = now.getTime()
      const [count, reset] = await r.ghConsume(k('rl', rule, key), t, rule.windowSeconds * 1000, rule.limit)
      return count <= rule.limit ? { allowed: true } : { allowed: false, retryAfterSeconds: retryAfter(Number(reset), t) }
    },
    async check(key, rule: BackoffRule, now) {
      const t = now.getTime()
      return blocked(Number(await r.ghCheck(k('bo', rule, key), t)), t)
    },
    async fail(key, rule, now) {
      const t = now.getTime()
      return blocked(Number(await r.ghFail(k('bo', rule, key), t, rule.freeFailures, rule.baseSeconds, rule.maxSeconds, rule.forgetSeconds)), t)
    },
    async reset(key, rule) {
      await r.del(k('bo', rule, key))
    },
    async reserve(key, ttlSeconds) {
      const holder = randomUUID()
      return (await r.set(`${prefix}slot:${key}`, holder, 'PX', ttlSeconds * 1000, 'NX')) === 'OK' ? holder : null
    },
    async release(key, holder) {
      await r.ghRelease(`${prefix}slot:${key}`, holder)
    },
    async close() {},
  }
}
