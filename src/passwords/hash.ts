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
  /** argon2id of the NFKC-normalised password (NIST 800-63B §5.1.1.2), never truncated. */
  hash(password: string): Promise<string>
  /** Checks a password against an argon2id or bcrypt (`$2a$`/`$2b$`/`$2y$`) hash. Never throws on bad hashes. */
  verify(storedHash: string, password: string): Promise<VerifyResult>
  /** Costs what a failed verify costs, for logins to unknown users (no timing oracle). */
  dummyVerify(password: string): Promise<void>
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
): Promise<PasswordHasher> {
  const gate = new Semaphore(concurrency)
  // Algorithm.Argon2id (a const enum, which verbatimModuleSyntax cannot import by value).
  const options = { algorithm: 2 as Algorithm, ...params }
  const timed = async <T>(op: HashOp, fn: () => Promise<T>): Promise<T> =>
    gate.run(async () => {
      const start = process.hrtime.bigint()
      try {
        return await fn()
      } finally {
        observe(op, Number(process.hrtime.bigint() - start) / 1e9)
      }
    })

  const hash = (password: string) => timed('hash', () => argon2Hash(password.normalize('NFKC'), options))
  // A real hash with the configured parameters, so a dummy verify costs exactly a real one.
  const dummyHash = await argon2Hash(`gatehouse-dummy-${Math.random()}`, options)

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

  return {
    hash,
    async verify(storedHash, password) {
      if (BCRYPT.test(storedHash)) {
        // Legacy import (passlib writes $2b$). bcrypt only reads 72 bytes: that is how the hash was
        // made, so verify as-is, then the caller rehashes the full password with argon2id.
        const ok = await timed('verify', () => safe(() => bcrypt.verify(password, storedHash)))
        return { ok, needsRehash: ok }
      }
      if (storedHash.startsWith('$argon2')) {
        const ok = await timed('verify', () => verifyArgon2(storedHash, password))
        return { ok, needsRehash: ok && isWeaker(storedHash) }
      }
      return { ok: false, needsRehash: false }
    },
    async dummyVerify(password) {
      await timed('verify', () => safe(() => argon2Verify(dummyHash, password.normalize('NFKC'))))
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
