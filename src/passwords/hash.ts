import { hash as argon2Hash, verify as argon2Verify, type Algorithm } from '@node-rs/argon2'
import bcrypt from '@node-rs/bcrypt'
import type { Argon2Params } from '../config.js'
import { Semaphore } from '../lib/semaphore.js'

export type HashOp = 'hash' | 'verify'

export interface VerifyResult {
  ok: boolean
  /** True when the stored hash is legacy (bcrypt) or weaker than configured: rehash it now. */
  needsRehash: boolean
}

export interface PasswordHasher {
  /**
   * argon2id of the NFKC-normalised password (NIST 800-63B §5.1.1.2), never truncated.
   * Every method may throw QueueFullError (too many hashes waiting: answer 503) or AbandonedError
   * (`signal` aborted while queued: the client has gone, and the hash is never computed).
   */
  hash(password: string, signal?: AbortSignal): Promise<string>
  /** Checks a password against an argon2id or bcrypt (`$2a$`/`$2b$`/`$2y$`) hash. Never throws on bad hashes. */
  verify(storedHash: string, password: string, signal?: AbortSignal): Promise<VerifyResult>
  /**
   * The login check, with no timing oracle: `storedHash` null (no such account) does the same
   * hashing work as a wrong password would, and every failure, whoever's, is padded to the
   * slowest verification seen recently (an imported bcrypt hash is slower than argon2id).
   */
  verifyLogin(storedHash: string | null, password: string, signal?: AbortSignal): Promise<VerifyResult>
}

const BCRYPT = /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/
const ARGON2_PARAMS = /^\$argon2(id|i|d)\$v=\d+\$m=(\d+),t=(\d+),p=(\d+)\$/

/**
 * Builds the hasher. Hashing runs on libuv's thread pool, never the event loop; at most
 * `concurrency` hashes run at once, so a login burst queues instead of starving requests.
 */
export async function createPasswordHasher(
  params: Argon2Params,
  concurrency: number,
  observe: (op: HashOp, seconds: number) => void = () => {},
  /** Stored hashes slower than argon2id (imported bcrypt): verified once now, so failed logins are padded to their cost from the start. */
  calibrateWith: (string | null)[] = [],
  /** At most this many hashes wait for a slot; more are refused (QueueFullError), never queued without bound. */
  maxQueue = Number.POSITIVE_INFINITY,
): Promise<PasswordHasher> {
  const gate = new Semaphore(concurrency, maxQueue)
  // Algorithm.Argon2id (a const enum, which verbatimModuleSyntax cannot import by value).
  const options = { algorithm: 2 as Algorithm, ...params }

  // What every failed login is padded to: the slowest verification (hash work only, queueing
  // excluded) of the last 10 to 20 minutes, never below what start-up calibration measured (so a
  // quiet spell does not forget an imported bcrypt hash's cost), never above twice it (so one
  // stall does not slow every failure for 20 minutes).
  const slowest = { current: 0, previous: 0, rotatesAt: 0, calibrated: 0 }
  const noteVerify = (ms: number) => {
    const now = Date.now()
    if (now >= slowest.rotatesAt) {
      slowest.previous = slowest.current
      slowest.current = 0
      slowest.rotatesAt = now + 600_000
    }
    slowest.current = Math.max(slowest.current, ms)
  }

  /** Runs `fn` in a hashing slot. @returns its value and how long the hash work took (queueing excluded). */
  const measured = <T>(op: HashOp, fn: () => Promise<T>, signal?: AbortSignal): Promise<{ value: T; ms: number }> =>
    gate.run(async () => {
      const start = performance.now()
      const value = await fn()
      const ms = performance.now() - start
      if (op === 'verify') noteVerify(ms)
      observe(op, ms / 1000)
      return { value, ms }
    }, signal)

  const hash = async (password: string, signal?: AbortSignal) => (await measured('hash', () => argon2Hash(password.normalize('NFKC'), options), signal)).value
  // A real hash with the configured parameters, so a dummy verify costs exactly a real one.
  const dummyHash = await argon2Hash(`gatehouse-dummy-${Math.random()}`, options)
  const calibrations = [(await measured('verify', () => safe(() => argon2Verify(dummyHash, 'calibration')))).ms]
  for (const stored of calibrateWith)
    if (stored && BCRYPT.test(stored)) calibrations.push((await measured('verify', () => safe(() => bcrypt.verify('calibration', stored)))).ms)
  slowest.calibrated = Math.max(...calibrations)

  const isWeaker = (stored: string): boolean => {
    const m = ARGON2_PARAMS.exec(stored)
    if (m?.[1] !== 'id') return true
    return Number(m[2]) < params.memoryCost || Number(m[3]) < params.timeCost || Number(m[4]) < params.parallelism
  }

  const verifyArgon2 = async (stored: string, password: string): Promise<boolean> => {
    const normalized = password.normalize('NFKC')
    if (await safe(() => argon2Verify(stored, normalized))) return true
    // Hashes imported from systems that did not normalise: try the raw text once.
    return normalized !== password && safe(() => argon2Verify(stored, password))
  }

  /** Verifies and says how long the hash work took. */
  const check = async (storedHash: string, password: string, signal?: AbortSignal): Promise<VerifyResult & { ms: number }> => {
    if (BCRYPT.test(storedHash)) {
      // Legacy import (passlib writes $2b$). bcrypt only reads 72 bytes: that is how the hash was
      // made, so verify as-is, then the caller rehashes the full password with argon2id.
      const { value: ok, ms } = await measured('verify', () => safe(() => bcrypt.verify(password, storedHash)), signal)
      return { ok, needsRehash: ok, ms }
    }
    if (storedHash.startsWith('$argon2')) {
      const { value: ok, ms } = await measured('verify', () => verifyArgon2(storedHash, password), signal)
      return { ok, needsRehash: ok && isWeaker(storedHash), ms }
    }
    return { ok: false, needsRehash: false, ms: 0 }
  }

  return {
    hash,
    async verify(storedHash, password, signal) {
      const { ok, needsRehash } = await check(storedHash, password, signal)
      return { ok, needsRehash }
    },
    async verifyLogin(storedHash, password, signal) {
      // No account: the dummy goes through verifyArgon2 exactly as a real argon2id hash would
      // (twice when the NFKC form differs), so the work does not depend on the account existing.
      const result =
        storedHash === null
          ? { ok: false, needsRehash: false, ms: (await measured('verify', () => verifyArgon2(dummyHash, password), signal)).ms }
          : await check(storedHash, password, signal)
      if (result.ok && storedHash !== null) return { ok: true, needsRehash: result.needsRehash }
      // Pad the failure to the slowest verification seen, measured from when the hashing began,
      // so queueing under load does not hide (or create) a difference. A sleep, not CPU.
      const recent = Math.max(slowest.current, slowest.previous)
      const floor = Math.min(Math.max(recent, slowest.calibrated), 2 * slowest.calibrated)
      const wait = floor - result.ms
      if (wait > 0) await new Promise((r) => setTimeout(r, wait))
      return { ok: false, needsRehash: false }
    },
  }
}

async function safe(fn: () => Promise<boolean>): Promise<boolean> {
  try {
    return await fn()
  } catch {
    return false
  }
}
