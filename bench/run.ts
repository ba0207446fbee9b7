// npm run bench: starts compiled Gatehouse (RATE_LIMIT=off, temporary database) and measures each
// scenario in turn with autocannon. Reports ratios from this one run: the machine is shared and
// noisy, so absolute numbers drift while ratios hold. Run it alone, never beside a test run.
import { execFileSync, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { hash, verify } from '@node-rs/argon2'
import autocannon from 'autocannon'
import { loadCommonPasswords, passwordProblem } from '../src/passwords/policy.js'

const ROOT = join(import.meta.dirname, '..')
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const PASSWORD = 'benchmark passphrase'

interface Row {
  name: string
  rps: number
  p50: number
  p99: number
  errors: number
  non2xx: number
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })

function run(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => autocannon({ duration: SECONDS, ...opts }, (err, res) => (err ? reject(err) : resolve(res))))
}

const row = (name: string, r: autocannon.Result): Row => ({
  name,
  rps: r.requests.average,
  p50: r.latency.p50,
  p99: r.latency.p99,
  errors: r.errors + r.timeouts,
  non2xx: r.non2xx,
})

/** Concurrent argon2id verifies per second with Gatehouse's parameters: the ceiling for /token. */
async function hashCeiling(concurrency: number): Promise<number> {
  const opts = { memoryCost: 19456, timeCost: 2, parallelism: 1, algorithm: 2 as const }
  const stored = await hash(PASSWORD, opts)
  let done = 0
  const until = Date.now() + Math.min(SECONDS, 5) * 1000
  const worker = async () => {
    while (Date.now() < until) {
      await verify(stored, PASSWORD)
      done++
    }
  }
  const start = performance.now()
  await Promise.all(Array.from({ length: concurrency }, worker))
  return done / ((performance.now() - start) / 1000)
}

async function main() {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'ensure-build.mjs')], { cwd: ROOT, stdio: 'inherit' })
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'))
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const server = spawn(process.execPath, [join(ROOT, 'dist', 'main.js')], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', PORT: String(port), DATABASE_URL: `sqlite:${join(dir, 'bench.db')}`, RATE_LIMIT: 'off', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  try {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${base}/healthz`)).ok) break
      } catch {
        if (i > 100) throw new Error('server did not start')
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    await fetch(`${base}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'bench', password: PASSWORD }),
    })
    const login = await fetch(`${base}/token`, { method: 'POST', body: new URLSearchParams({ username: 'bench', password: PASSWORD }) })
    const { access_token } = (await login.json()) as { access_token: string }
    const auth = { authorization: `Bearer ${access_token}` }
    const tokenRequest = {
      url: `${base}/token`,
      method: 'POST' as const,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: 'bench', password: PASSWORD }).toString(),
    }
    const cores = availableParallelism()
    const rows: Row[] = []
    console.log(`Gatehouse benchmark: ${SECONDS}s per scenario, ${cores} cores, node ${process.version}\n`)

    rows.push(row('GET /', await run({ url: `${base}/`, connections: 10 })))
    rows.push(row('GET /users/me', await run({ url: `${base}/users/me`, connections: 10, headers: auth })))
    const ceiling = await hashCeiling(cores)
    rows.push(row('POST /token', await run({ ...tokenRequest, connections: 8 })))
    let n = 0
    rows.push(
      row(
        'POST /register',
        await run({
          url: `${base}/register`,
          method: 'POST',
          connections: 8,
          headers: { 'content-type': 'application/json' },
          requests: [{ setupRequest: (req) => ({ ...req, body: JSON.stringify({ username: `user${process.pid}_${n++}`, password: PASSWORD }) }) }],
        }),
      ),
    )
    // /users/me while logins saturate the hashing threads: the event loop must stay responsive.
    const [meUnderLoad, tokenUnderLoad] = await Promise.all([
      run({ url: `${base}/users/me`, connections: 2, headers: auth }),
      run({ ...tokenRequest, connections: 8 }),
    ])
    rows.push(row('GET /users/me during /token load', meUnderLoad))
    rows.push(row('POST /token (concurrent with the above)', tokenUnderLoad))

    // Account enumeration by timing: an unknown user must cost what a wrong password costs.
    const timeLogin = async (username: string) => {
      const body = new URLSearchParams({ username, password: 'not the password' })
      const t0 = performance.now()
      await fetch(`${base}/token`, { method: 'POST', body })
      return performance.now() - t0
    }
    const wrong: number[] = []
    const unknown: number[] = []
    for (let i = 0; i < 60; i++) {
      wrong.push(await timeLogin('bench'))
      unknown.push(await timeLogin(`nobody${i}`))
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!

    // The password policy runs on the event loop: it must stay cheap even for 1,024 characters.
    const common = loadCommonPasswords()
    const policyStart = performance.now()
    for (let i = 0; i < 1000; i++) passwordProblem(`${i}aB3$`.repeat(200).slice(0, 1024), { username: 'bench', email: null, minLength: 8 }, common)
    const policyMicros = ((performance.now() - policyStart) * 1000) / 1000

    console.log('scenario                                  req/s     p50 ms   p99 ms   errors  non-2xx')
    for (const r of rows) {
      console.log(
        `${r.name.padEnd(40)} ${r.rps.toFixed(0).padStart(7)} ${r.p50.toFixed(1).padStart(9)} ${r.p99.toFixed(1).padStart(8)} ${String(r.errors).padStart(8)} ${String(r.non2xx).padStart(8)}`,
      )
    }
    const meRatio = rows[1]!.rps / rows[0]!.rps
    const tokenRatio = rows[2]!.rps / ceiling
    console.log(`\nargon2id verify ceiling (${cores} concurrent, m=19456 t=2 p=1): ${ceiling.toFixed(1)} hashes/s`)
    console.log(`/users/me ÷ GET /            = ${meRatio.toFixed(2)}  (target ≥ 0.60)`)
    console.log(`/token ÷ hash ceiling         = ${tokenRatio.toFixed(2)}  (target ≥ 0.80)`)
    console.log(`/users/me p99 during /token load = ${meUnderLoad.latency.p99.toFixed(1)} ms  (target < 50 ms)`)
    console.log(`password policy on a 1,024-character password: ${policyMicros.toFixed(0)} µs per check (event loop)`)
    console.log(
      `login median, wrong password ${median(wrong).toFixed(1)} ms vs unknown user ${median(unknown).toFixed(1)} ms (ratio ${(median(unknown) / median(wrong)).toFixed(2)}, target ≈ 1)`,
    )
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true })
    const file = join(ROOT, 'bench', 'results', `${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
    writeFileSync(
      file,
      JSON.stringify(
        { seconds: SECONDS, cores, ceiling, meRatio, tokenRatio, rows, loginMedianMs: { wrong: median(wrong), unknown: median(unknown) } },
        null,
        2,
      ),
    )
    console.log(`\nraw figures: ${file}`)
  } finally {
    server.kill('SIGTERM')
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
