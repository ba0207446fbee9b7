// Load generators for the benchmark. wrk (C, one thread) when installed, so the client is not the
// bottleneck on a small machine; autocannon (Node) otherwise and for scenarios that chain
// responses (refresh). Latency is reported in microseconds.
import { execFile, execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'

export interface Row {
  name: string
  client: 'wrk' | 'autocannon' | 'probe'
  rps: number
  p50us: number
  p99us: number
  errors: number
  non2xx: number
}

export interface Load {
  url: string
  method?: 'GET' | 'POST'
  headers?: Record<string, string>
  body?: string
  connections: number
  seconds: number
}

export const hasWrk = (() => {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' })
    return true
  } catch (err) {
    // wrk --version exits 1 after printing its version.
    return (err as { status?: number }).status === 1
  }
})()

/** wrk with a Lua script that sets the request and prints its summary as JSON. */
export function runWrk(name: string, l: Load): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-wrk-'))
  const script = join(dir, 'bench.lua')
  const lines = [`wrk.method = "${l.method ?? 'GET'}"`]
  if (l.body !== undefined) lines.push(`wrk.body = ${JSON.stringify(l.body)}`)
  for (const [k, v] of Object.entries(l.headers ?? {})) lines.push(`wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`)
  lines.push(
    'done = function(s, lat, req)',
    '  io.write(string.format(\'{"requests":%d,"duration":%d,"p50":%d,"p99":%d,"errors":%d,"status":%d}\\n\',',
    '    s.requests, s.duration, lat:percentile(50), lat:percentile(99), s.errors.connect + s.errors.read + s.errors.write + s.errors.timeout, s.errors.status))',
    'end',
  )
  writeFileSync(script, lines.join('\n'))
  return new Promise((resolve, reject) => {
    execFile('wrk', ['-t1', `-c${l.connections}`, `-d${l.seconds}s`, '-s', script, l.url], (err, stdout) => {
      rmSync(dir, { recursive: true, force: true })
      if (err) return reject(err)
      const s = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
        requests: number
        duration: number
        p50: number
        p99: number
        errors: number
        status: number
      }
      resolve({ name, client: 'wrk', rps: s.requests / (s.duration / 1e6), p50us: s.p50, p99us: s.p99, errors: s.errors, non2xx: s.status })
    })
  })
}

export function runAutocannon(name: string, opts: autocannon.Options & { seconds: number }): Promise<Row> {
  return new Promise((resolve, reject) =>
    autocannon({ duration: opts.seconds, ...opts }, (err, r) => {
      if (err) return reject(err)
      // autocannon's histogram is in milliseconds.
      resolve({
        name,
        client: 'autocannon',
        rps: r.requests.average,
        p50us: r.latency.p50 * 1000,
        p99us: r.latency.p99 * 1000,
        errors: r.errors + r.timeouts,
        non2xx: r.non2xx,
      })
    }),
  )
}

/** The plain load scenarios go to wrk when it is installed. */
export const runLoad = (name: string, l: Load): Promise<Row> =>
  hasWrk
    ? runWrk(name, l)
    : runAutocannon(name, { url: l.url, method: l.method ?? 'GET', headers: l.headers ?? {}, body: l.body, connections: l.connections, seconds: l.seconds })

/**
 * Unloaded latency: `n` requests one after another on one keep-alive connection, timed with
 * hrtime. Microsecond resolution where autocannon only has milliseconds.
 */
export async function probeLatency(name: string, l: Omit<Load, 'connections' | 'seconds'>, n: number, shared?: Agent): Promise<Row> {
  const agent = shared ?? new Agent({ keepAlive: true, maxSockets: 1 })
  const times: number[] = []
  let non2xx = 0
  const t0 = performance.now()
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint()
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(l.url, { method: l.method ?? 'GET', headers: l.headers, agent }, (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode!))
      })
      req.on('error', reject)
      req.end(l.body)
    })
    times.push(Number(process.hrtime.bigint() - start) / 1000)
    if (status < 200 || status > 299) non2xx++
  }
  const elapsed = (performance.now() - t0) / 1000
  if (!shared) agent.destroy()
  times.sort((a, b) => a - b)
  return { name, client: 'probe', rps: n / elapsed, p50us: times[Math.floor(n / 2)]!, p99us: times[Math.floor(n * 0.99)]!, errors: 0, non2xx }
}

/**
 * Two loads alternating over `rounds` rounds (a, b, a, b, ...), each row the mean of its rounds:
 * drift on a shared machine then weighs on both alike instead of on whichever ran second, so the
 * ratio of the two holds within one run.
 */
export async function alternate(a: [string, Load], b: [string, Load], rounds = 3): Promise<[Row, Row]> {
  const runs: [Row, Row][] = []
  for (let i = 0; i < rounds; i++) runs.push([await runLoad(...a), await runLoad(...b)])
  const mean = (rs: Row[]): Row => {
    const avg = (f: (r: Row) => number) => rs.reduce((n, r) => n + f(r), 0) / rs.length
    return {
      ...rs[0]!,
      rps: avg((r) => r.rps),
      p50us: avg((r) => r.p50us),
      p99us: avg((r) => r.p99us),
      errors: avg((r) => r.errors),
      non2xx: avg((r) => r.non2xx),
    }
  }
  return [mean(runs.map((r) => r[0])), mean(runs.map((r) => r[1]))]
}
