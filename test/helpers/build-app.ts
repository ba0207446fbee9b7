import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import type { Deps } from '../../src/deps/types.js'
import { closeDeps, createDeps } from '../../src/deps/create.js'
import { registerJobHandlers } from '../../src/jobs/handlers.js'
import { dropSchema, newSchemaName, schemaUrl, TEST_ON_POSTGRES } from './postgres.js'

/** A clock tests move by hand: time is a dependency, never a patched global. */
export interface TestClock {
  (): Date
  advance(seconds: number): void
}

export function testClock(start = new Date('2026-11-28T12:00:00Z')): TestClock {
  let now = start.getTime()
  const clock = (() => new Date(now)) as TestClock
  clock.advance = (seconds) => {
    now += seconds * 1000
  }
  return clock
}

export const TEST_ENV = { DATABASE_URL: 'sqlite::memory:', RATE_LIMIT: 'off', LOG_LEVEL: 'silent' }

/**
 * Builds Gatehouse on an in-memory SQLite database, or with `TEST_STORE=postgres` on a fresh
 * PostgreSQL schema (dropped afterwards), unless the test sets DATABASE_URL itself; closed when
 * the test ends. `log`: a logger of the test's own (to read what was logged).
 */
export async function buildTestApp(
  t: TestContext,
  env: Record<string, string> = {},
  opts: { clock?: TestClock; log?: Logger; passkeySignInChallengeCap?: number } = {},
): Promise<{ app: FastifyInstance; deps: Deps }> {
  const schema = TEST_ON_POSTGRES && env.DATABASE_URL === undefined ? newSchemaName() : null
  const database = schema ? { DATABASE_URL: schemaUrl(schema) } : {}
  const overrides = {
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.log ? { log: opts.log } : {}),
    ...(opts.passkeySignInChallengeCap ? { passkeySignInChallengeCap: opts.passkeySignInChallengeCap } : {}),
  }
  const deps = await createDeps(loadConfig({ ...TEST_ENV, ...database, ...env }), overrides)
  registerJobHandlers(deps)
  const app = await buildApp(deps)
  t.after(async () => {
    await app.close()
    await closeDeps(deps)
    if (schema) await dropSchema(schema)
  })
  return { app, deps }
}

/**
 * A database several apps in one test can share (two instances): a SQLite file, or with
 * `TEST_STORE=postgres` a fresh PostgreSQL schema; removed when the test ends.
 */
export function sharedDatabase(t: TestContext): { DATABASE_URL: string } {
  if (TEST_ON_POSTGRES) {
    const schema = newSchemaName()
    t.after(() => dropSchema(schema))
    return { DATABASE_URL: schemaUrl(schema) }
  }
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-shared-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return { DATABASE_URL: `sqlite:${join(dir, 'g.db')}` }
}
