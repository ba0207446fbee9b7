import { createInterface } from 'node:readline'
import pino from 'pino'
import { type Config, ConfigError, loadConfig } from '../config.js'
import type { SecretBox } from '../crypto/secret-box.js'
import { connectSharedState, createEvents, createMetrics, createSecrets, loggerOptions, openConfiguredStore } from '../deps/create.js'
import { DomainError } from '../errors.js'
import type { Events } from '../events/events.js'
import type { Metrics } from '../metrics/metrics.js'
import type { ChangeBus } from '../store/changes.js'
import type { Store } from '../store/store.js'

/** A mistake in how the command was called: exit 2. */
export class UsageError extends Error {}
/** The command ran and could not do what was asked: exit 1. */
export class CommandFailed extends Error {}

export type Env = Record<string, string | undefined>

/** What most commands need: the store and the events sink. Nothing else is built. */
export interface CliBase {
  config: Readonly<Config>
  log: pino.Logger
  clock: () => Date
  store: Store
  events: Events
  metrics: Metrics
  /** ENCRYPTION_KEY: seals what the command stores (a new signing key). */
  secrets: SecretBox
  /** The change bus (REDIS_URL), so running instances follow what the command changes at once. */
  bus: ChangeBus | null
}

/** Same configuration as the server; a bad one is a usage error (exit 2). */
export function cliConfig(env: Env): Readonly<Config> {
  try {
    return loadConfig(env)
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message)
    throw err
  }
}

/**
 * What a command opens beside the database. `publishesChanges`: it changes what running servers
 * cache (users, sessions, keys), so with REDIS_URL it connects to Redis to tell them at once;
 * commands that only read (or only add rows nothing caches) open the database and nothing else.
 */
export interface BaseNeeds {
  publishesChanges: boolean
}

/** Opens the store (applying migrations), runs `fn`, and always closes it. */
export async function withBase<T>(env: Env, needs: BaseNeeds, fn: (base: CliBase) => Promise<T>): Promise<T> {
  const config = cliConfig(env)
  // Logs go to stderr, warnings and up only (stdout is the command's own output), redacted as the server's are.
  const log = pino(loggerOptions(config.logLevel === 'silent' ? 'silent' : 'warn'), pino.destination(2))
  const clock = () => new Date()
  const metrics = createMetrics()
  const shared = needs.publishesChanges ? await connectSharedState(config, log) : null
  try {
    const store = await openConfiguredStore(config, shared?.bus ?? null)
    try {
      const events = createEvents({ audit: store, log, metrics, clock })
      return await fn({ config, log, clock, store, metrics, bus: shared?.bus ?? null, secrets: createSecrets(config), events })
    } finally {
      await store.close()
    }
  } finally {
    await shared?.close()
  }
}

/**
 * Turns a service's DomainError into the command's outcome, with the same words a client would see:
 * invalid input is a usage error (exit 2), anything else the command failing (exit 1).
 */
export function explain(err: unknown): never {
  if (err instanceof DomainError) {
    const problems = err.info.problems
    if (err.code === 'invalid_fields' && problems) throw new UsageError(problems.map((i) => `${i.loc.at(-1)}: ${i.msg}`).join('; '))
    throw new CommandFailed(err.message)
  }
  throw err
}

/** A password from standard input (one line, or all of it), never from argv, where `ps` and shell history see it. */
export async function readPassword(fromStdin: boolean, stdin: NodeJS.ReadStream = process.stdin): Promise<string> {
  if (fromStdin) {
    let text = ''
    for await (const chunk of stdin) text += chunk
    const password = text.replace(/\r?\n$/, '')
    if (password === '') throw new UsageError('--password-stdin: standard input was empty')
    return password
  }
  if (!stdin.isTTY) throw new UsageError('no terminal to ask for the password: pipe it in with --password-stdin')
  const [first, second] = await promptHidden(stdin, ['Password: ', 'Repeat password: '])
  if (first !== second) throw new CommandFailed('the passwords do not match')
  return first!
}

/**
 * Asks each question on the terminal without echoing the answer. One readline for all of them,
 * closed at the end so the process can exit; Ctrl-C fails the command instead of hanging.
 */
function promptHidden(stdin: NodeJS.ReadStream, questions: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: stdin, output: process.stderr, terminal: true })
    let current = ''
    // Echo nothing the user types: only the question itself is written.
    ;(rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s) => {
      if (s.startsWith(current)) process.stderr.write(current)
    }
    const answers: string[] = []
    const done = (err?: Error) => {
      rl.close()
      stdin.pause()
      process.stderr.write('\n')
      if (err) reject(err)
      else resolve(answers)
    }
    rl.on('SIGINT', () => done(new CommandFailed('cancelled')))
    const ask = () => {
      current = questions[answers.length]!
      rl.question(current, (answer) => {
        answers.push(answer)
        if (answers.length === questions.length) return done()
        process.stderr.write('\n')
        ask()
      })
    }
    ask()
  })
}

/** Prints rows as aligned columns (or nothing but a note when empty). */
export function printTable(rows: string[][], out: (line: string) => void): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  for (const r of rows)
    out(
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
}
