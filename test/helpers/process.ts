import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process'
import { join } from 'node:path'

export const ROOT = join(import.meta.dirname, '..', '..')
export const MAIN = join(ROOT, 'dist', 'main.js')
export const BIN = join(ROOT, 'bin', 'gatehouse.mjs')

/** What `npm start` runs first: compile when dist/ is missing or stale. Call from `before`. */
export const ensureBuild = () => execFileSync(process.execPath, [join(ROOT, 'scripts', 'ensure-build.mjs')], { cwd: ROOT, stdio: 'inherit' })

export interface Running {
  proc: ChildProcess
  base: string
  output: () => string
}

/** Starts dist/main.js with `args` in `cwd` and waits for its "listening" log line. */
export async function start(cwd: string, env: Record<string, string> = {}, args: string[] = []): Promise<Running> {
  const proc = spawn(process.execPath, [MAIN, ...args], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  proc.stdout!.on('data', (d) => (out += d))
  proc.stderr!.on('data', (d) => (out += d))
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL') // never leave a child behind to hang the test run
      reject(new Error(`no listening line:\n${out}`))
    }, 20_000)
    const check = () => {
      const m = /Gatehouse listening on (http:\/\/[^;\s]+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(m[1]!)
      }
    }
    proc.stdout!.on('data', check)
    proc.on('exit', (code) => reject(new Error(`exited ${code}:\n${out}`)))
  })
  return { proc, base, output: () => out }
}

export const stop = (r: Running, signal: NodeJS.Signals = 'SIGTERM') =>
  new Promise<number | null>((resolve) => {
    if (r.proc.exitCode !== null) return resolve(r.proc.exitCode)
    r.proc.on('exit', (code) => resolve(code))
    r.proc.kill(signal)
  })

/**
 * Runs the CLI asynchronously (never spawnSync: the servers it talks to live in this process's children).
 * `timeoutMs`: SIGTERM after that long (a `serve` expected to fail must not hang the run when it starts).
 */
export function cli(
  cwd: string,
  env: Record<string, string>,
  args: string[],
  input?: string,
  timeoutMs = 0,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const options = { cwd, env: { PATH: process.env.PATH ?? '', ...env }, timeout: timeoutMs }
    const child = execFile(process.execPath, [BIN, ...args], options, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr })
    })
    if (input !== undefined) child.stdin!.end(input)
  })
}

/** Polls `probe` every 5 ms until it returns true; resolves to the milliseconds it took (rejects after `limitMs`). */
export async function timeUntil(probe: () => Promise<boolean>, limitMs = 5_000): Promise<number> {
  const t0 = performance.now()
  for (;;) {
    if (await probe()) return performance.now() - t0
    if (performance.now() - t0 > limitMs) throw new Error(`not within ${limitMs} ms`)
    await new Promise((r) => setTimeout(r, 5))
  }
}
