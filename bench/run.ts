// npm run bench [-- --store sqlite|postgres] [--workers N] [--redis] [--users N] [--seconds S]
// Starts compiled Gatehouse (RATE_LIMIT=off, a temporary database or PostgreSQL schema) and
// measures each scenario in turn. Reports ratios from this one run: the machine is shared and
// noisy, so absolute numbers drift while ratios hold. Run it alone, never beside a test run.
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { hash, verify } from '@node-rs/argon2'
import pg from 'pg'
import { loadCommonPasswords, passwordProblem } from '../src/passwords/policy.js'
import { alternate, hasWrk, probeLatency, type Row, runAutocannon, runLoad } from './clients.js'
import { benchOidc } from './oidc.js'
import { benchPages } from './pages.js'
import { seedUsers, type Target } from './seed.js'

const ROOT = join(import.meta.dirname, '..')
const PASSWORD = 'benchmark passphrase'
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const { values: args } = parseArgs({
  options: {
    store: { type: 'string', default: 'sqlite' },
    workers: { type: 'string', default: '1' },
    redis: { type: 'boolean', default: false },
    users: { type: 'string', default: '0' },
    seconds: { type: 'string', default: process.env.BENCH_SECONDS ?? '10' },
  },
})
const SECONDS = Number(args.seconds)
const WORKERS = Number(args.workers)
const USERS = Number(args.users)
if (args.store !== 'sqlite' && args.store !== 'postgres') throw new Error('--store: sqlite or postgres')
const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
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

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!

async function main() {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'ensure-build.mjs')], { cwd: ROOT, stdio: 'inherit' })
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'))
  const schema = `gh_bench_${randomBytes(4).toString('hex')}`
  const target: Target = args.store === 'sqlite' ? { kind: 'sqlite', path: join(dir, 'bench.db') } : { kind: 'postgres', url: PG_URL, schema }
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    PORT: String(port),
    DATABASE_URL: target.kind === 'sqlite' ? `sqlite:${target.path}` : `${PG_URL}?schema=${schema}`,
    RATE_LIMIT: 'off',
    LOG_LEVEL: 'warn',
    WORKERS: String(WORKERS),
  }
  if (args.redis) Object.assign(env, { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: `${schema}:` })
  const server = spawn(process.execPath, [join(ROOT, 'dist', 'main.js')], { cwd: dir, env, stdio: ['ignore', 'inherit', 'inherit'] })
  try {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${base}/healthz`)).ok) break
      } catch {
        if (i > 200) throw new Error('server did not start')
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    if (WORKERS > 1) await new Promise((r) => setTimeout(r, 2000)) // every worker up
    const post = (path: string, body: string, headers: Record<string, string> = FORM) => fetch(`${base}${path}`, { method: 'POST', headers, body })
    await post('/register', JSON.stringify({ username: 'bench', password: PASSWORD }), { 'content-type': 'application/json' })
    const tokenBody = new URLSearchParams({ username: 'bench', password: PASSWORD }).toString()
    const { access_token } = (await (await post('/token', tokenBody)).json()) as { access_token: string }
    const auth = { authorization: `Bearer ${access_token}` }
    const seedHash = await hash(randomBytes(16).toString('hex'), { memoryCost: 19456, timeCost: 2, parallelism: 1, algorithm: 2 })
    let population = 1
    if (USERS > 0) {
      await seedUsers(target, 0, 999, seedHash)
      population = 1000
    }
    const cores = availableParallelism()
    const rows: Row[] = []
    const label = `${args.store}${args.redis ? '+redis' : ''}, ${WORKERS} worker${WORKERS > 1 ? 's' : ''}`
    console.log(
      `Gatehouse benchmark (${label}): ${SECONDS}s per scenario, ${cores} cores, node ${process.version}, load from ${hasWrk ? 'wrk' : 'autocannon'}\n`,
    )

    const meLoad = { url: `${base}/users/me`, headers: auth, connections: 10, seconds: SECONDS }
    const tokenLoad = { url: `${base}/token`, method: 'POST' as const, headers: FORM, body: tokenBody, connections: 8, seconds: SECONDS }
    // GET / and /users/me alternate over three rounds, and the ratio is of their sums: drift on a
    // shared machine then weighs on both alike instead of on whichever ran second.
    const roundSeconds = Math.max(2, Math.round(SECONDS / 2))
    const [rootMean, meMean] = await alternate(
      ['GET /', { url: `${base}/`, connections: 10, seconds: roundSeconds }],
      ['GET /users/me', { ...meLoad, seconds: roundSeconds }],
    )
    const root = { ...rootMean, name: 'GET / (3 rounds)' }
    const me = { ...meMean, name: 'GET /users/me (3 rounds, alternating)' }
    rows.push(root, me)
    rows.push(await probeLatency('GET / (one client, sequential)', { url: `${base}/` }, 3000))
    rows.push(await probeLatency('GET /users/me (one client, sequential)', { url: `${base}/users/me`, headers: auth }, 3000))
    const ceiling = await hashCeiling(cores)
    const token = await runLoad('POST /token', tokenLoad)
    rows.push(token)
    const pages = await benchPages(base, SECONDS, 'bench', PASSWORD)
    rows.push(...pages.rows)
    const oidc = await benchOidc(base, SECONDS, PASSWORD, { root: ROOT, cwd: dir, env })
    rows.push(...oidc.rows)
    let n = 0
    rows.push(
      await runAutocannon('POST /register', {
        url: `${base}/register`,
        method: 'POST',
        connections: 8,
        seconds: SECONDS,
        headers: { 'content-type': 'application/json' },
        requests: [{ setupRequest: (req) => ({ ...req, body: JSON.stringify({ username: `user${process.pid}_${n++}`, password: PASSWORD }) }) }],
      }),
    )

    // Refresh grants: 64 sessions rotating in parallel, 32 at a time.
    const pool: string[] = []
    for (let i = 0; i < 64; i++) pool.push(((await (await post('/token', tokenBody)).json()) as { refresh_token: string }).refresh_token)
    const refresh = await runAutocannon('POST /token (refresh_token grant)', {
      url: `${base}/token`,
      method: 'POST',
      connections: 32,
      seconds: SECONDS,
      headers: FORM,
      requests: [
        {
          // autocannon resets a connection's context after each request list, so the chains
          // live in one queue: a token is taken for a request and its successor put back.
          setupRequest: (req) => ({ ...req, body: `grant_type=refresh_token&refresh_token=${pool.shift()}` }),
          onResponse: (status, body) => {
            if (status === 200) pool.push((JSON.parse(body) as { refresh_token: string }).refresh_token)
          },
        },
      ],
    })
    rows.push(refresh)

    // /users/me while logins saturate the hashing threads: the event loop must stay responsive.
    const [meUnderLoad, tokenUnderLoad] = await Promise.all([
      runLoad('GET /users/me during /token load', { ...meLoad, connections: 2 }),
      runAutocannon('POST /token (beside the above)', { ...tokenLoad }),
    ])
    rows.push(meUnderLoad, tokenUnderLoad)

    // Account enumeration by timing: an unknown user must cost what a wrong password costs. One
    // connection, so with WORKERS every attempt reaches the same worker (each worker calibrates
    // its own failure padding; a comparison across workers would measure the workers).
    const timeLogin = async (username: string) =>
      (
        await probeLatency(
          'login',
          { url: `${base}/token`, method: 'POST', headers: FORM, body: new URLSearchParams({ username, password: 'not the password' }).toString() },
          1,
          enumAgent,
        )
      ).p50us / 1000
    const { Agent } = await import('node:http')
    const enumAgent = new Agent({ keepAlive: true, maxSockets: 1 })
    const wrong: number[] = []
    const unknown: number[] = []
    for (let i = 0; i < 60; i++) {
      wrong.push(await timeLogin('bench'))
      unknown.push(await timeLogin(`nobody${i}`))
    }
    enumAgent.destroy()

    // The population: /token and /users/me from 1,000 users to --users.
    const flat: { users: number; token: Row; tokenProbe: Row; meProbe: Row }[] = []
    if (USERS > 0) {
      const measure = async () => ({
        users: population,
        token: await runLoad(`POST /token at ${population.toLocaleString('en')} users`, { ...tokenLoad, seconds: Math.min(SECONDS, 5) }),
        tokenProbe: await probeLatency(
          `POST /token at ${population.toLocaleString('en')} users (sequential)`,
          { url: `${base}/token`, method: 'POST', headers: FORM, body: tokenBody },
          200,
        ),
        meProbe: await probeLatency(`GET /users/me at ${population.toLocaleString('en')} users (sequential)`, { url: `${base}/users/me`, headers: auth }, 2000),
      })
      flat.push(await measure())
      const took = await seedUsers(target, population - 1, USERS - 1, seedHash)
      population = USERS
      console.log(`seeded ${USERS.toLocaleString('en')} users in ${took.toFixed(1)} s`)
      flat.push(await measure())
      for (const f of flat) rows.push(f.token, f.tokenProbe, f.meProbe)
    }

    const common = loadCommonPasswords()
    const policyStart = performance.now()
    for (let i = 0; i < 1000; i++) passwordProblem(`${i}aB3$`.repeat(200).slice(0, 1024), { username: 'bench', email: null, minLength: 8 }, common)
    const policyMicros = performance.now() - policyStart

    console.log(`${'scenario'.padEnd(44)} ${'client'.padEnd(10)}   req/s   p50 µs   p99 µs  errors non-2xx`)
    for (const r of rows) {
      console.log(
        `${r.name.padEnd(44)} ${r.client.padEnd(10)} ${r.rps.toFixed(0).padStart(7)} ${r.p50us.toFixed(0).padStart(8)} ${r.p99us.toFixed(0).padStart(8)} ${String(r.errors).padStart(7)} ${String(r.non2xx).padStart(7)}`,
      )
    }
    const meRatio = me.rps / root.rps
    const tokenRatio = token.rps / ceiling
    console.log(`\nargon2id verify ceiling (${cores} concurrent, m=19456 t=2 p=1): ${ceiling.toFixed(1)} hashes/s`)
    console.log(`/users/me ÷ GET /             = ${meRatio.toFixed(2)}  (target ≥ 0.75)`)
    console.log(`/token ÷ hash ceiling          = ${tokenRatio.toFixed(2)}  (target ≥ 0.80)`)
    console.log(
      `/account/login ÷ GET /        = ${pages.pageRatio.toFixed(2)} returning, ${pages.firstVisitRatio.toFixed(2)} first visit  (serving the sign-in page: template, CSRF token, headers)`,
    )
    console.log(`page sign-in ÷ /token          = ${(pages.signIn.rps / token.rps).toFixed(2)}  (target ≈ 1: a page sign-in costs what a /token login costs)`)
    console.log(`refresh grants per core        = ${(refresh.rps / cores).toFixed(0)}/s  (Keycloak sizing: 120/s per vCPU; client shares the cores)`)
    // The OpenID Connect provider, each figure beside its published anchor (docs/benchmarks.md).
    const cc = oidc.clientCredentials.rps
    console.log(
      `code flows per core            = ${(oidc.flows.rps / cores).toFixed(0)}/s  (${oidc.flows.rps.toFixed(0)} flows/s on ${cores} cores: /authorize → code → /token with PKCE; no published anchor for a whole flow; client shares the cores)`,
    )
    console.log(
      `client_credentials grants/s    = ${cc.toFixed(0)}  (${(cc / cores).toFixed(0)} per core; Keycloak sizing: 120/s per vCPU; Hydra: 513/s on 2 CPUs; target 5× Hydra = 2,565/s: ${(cc / 513).toFixed(1)}×)`,
    )
    console.log(
      `/introspect of one access token = ${oidc.introspectUser.rps.toFixed(0)}/s a person's, ${oidc.introspectClient.rps.toFixed(0)}/s a client_credentials one  (Hydra: 5,109/s on 2 CPUs, in memory; target above it)`,
    )
    console.log(`/userinfo ÷ GET /              = ${(oidc.userinfo.rps / oidc.root.rps).toFixed(2)}  (target ≥ 0.75)`)
    console.log(`/users/me p99 during /token load = ${(meUnderLoad.p99us / 1000).toFixed(1)} ms  (target < 50 ms)`)
    console.log(`password policy on a 1,024-character password: ${policyMicros.toFixed(0)} µs per check (event loop)`)
    console.log(
      `login median, wrong password ${median(wrong).toFixed(1)} ms vs unknown user ${median(unknown).toFixed(1)} ms (ratio ${(median(unknown) / median(wrong)).toFixed(2)}, target ≈ 1)`,
    )
    if (flat.length === 2) {
      const [a, b] = flat as [(typeof flat)[0], (typeof flat)[0]]
      console.log(
        `population ${a.users.toLocaleString('en')} → ${b.users.toLocaleString('en')}: /token ${a.token.rps.toFixed(0)} → ${b.token.rps.toFixed(0)} req/s, ` +
          `p50 ${a.tokenProbe.p50us.toFixed(0)} → ${b.tokenProbe.p50us.toFixed(0)} µs; /users/me p50 ${a.meProbe.p50us.toFixed(0)} → ${b.meProbe.p50us.toFixed(0)} µs`,
      )
    }
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true })
    const file = join(ROOT, 'bench', 'results', `${new Date().toISOString().replace(/[:.]/g, '-')}-${args.store}-${WORKERS}w.json`)
    const summary = {
      config: { ...args, cores, client: hasWrk ? 'wrk' : 'autocannon' },
      ceiling,
      meRatio,
      tokenRatio,
      pageRatio: pages.pageRatio,
      signInRatio: pages.signIn.rps / token.rps,
      oidc: {
        codeFlowsPerSecond: oidc.flows.rps,
        codeFlowsPerCore: oidc.flows.rps / cores,
        clientCredentialsPerSecond: oidc.clientCredentials.rps,
        introspectPerSecond: { person: oidc.introspectUser.rps, client: oidc.introspectClient.rps },
        userinfoRatio: oidc.userinfo.rps / oidc.root.rps,
      },
      rows,
      flat,
      loginMedianMs: { wrong: median(wrong), unknown: median(unknown) },
    }
    writeFileSync(file, JSON.stringify(summary, null, 2))
    console.log(`\nraw figures: ${file}`)
  } finally {
    server.kill('SIGTERM')
    await new Promise((r) => server.once('exit', r))
    rmSync(dir, { recursive: true, force: true })
    if (target.kind === 'postgres') {
      const c = new pg.Client({ connectionString: PG_URL })
      await c.connect()
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
      await c.end()
    }
  }
}

await main()
