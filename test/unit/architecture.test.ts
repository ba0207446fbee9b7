// The layering rules of the architecture, checked on the source so they cannot drift.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { test } from 'node:test'

const SRC = join(import.meta.dirname, '..', '..', 'src')
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []))
const sources = files(SRC).map((f) => ({ path: relative(SRC, f), text: readFileSync(f, 'utf8') }))
const under = (re: RegExp) => sources.filter((s) => re.test(s.path))

test('only the CLI entry and createGatehouse (its default env) read process.env, and hand it to loadConfig', () => {
  const readers = sources.filter((s) => /process\.env/.test(s.text)).map((s) => s.path)
  assert.deepEqual(readers.sort(), ['cli/main.ts', 'gatehouse.ts'])
})

test('store, tokens, passwords, rate-limit, events and lib never import http, errors or fastify', () => {
  const lower = under(/^(store|tokens|passwords|rate-limit|lib|metrics)\//)
  assert.ok(lower.length > 20)
  for (const s of lower) assert.doesNotMatch(s.text, /from '(fastify|.*\/http\/.*|.*\/errors\.js)'/, s.path)
  for (const s of under(/^events\/events\.ts$/)) assert.doesNotMatch(s.text, /from '(fastify|.*\/http\/.*)'/, s.path)
})

test('services (accounts, sessions, events, passkeys, authn) never import http/ or fastify', () => {
  const services = under(/^(accounts|sessions|events|passkeys|authn)\//)
  assert.ok(services.length > 10)
  for (const s of services) assert.doesNotMatch(s.text, /from '(fastify|@fastify\/.*|.*\/http\/.*)'/, s.path)
})

test('routes never call the store: they go through services (readiness aside)', () => {
  const routes = under(/^http\/routes\//).filter((s) => s.path !== 'http/routes/ops.ts')
  assert.ok(routes.length > 8)
  for (const s of routes) assert.doesNotMatch(s.text, /deps\.store\b/, s.path)
})

test('routes and services record security outcomes only through the events sink', () => {
  for (const s of sources.filter((s) => s.path !== 'events/events.ts' && !s.path.startsWith('store/'))) {
    assert.doesNotMatch(s.text, /metrics\.events\b|appendAuditEvent\(/, s.path)
  }
})

test('only deps/create.ts and open-store.ts construct concrete back ends (each is defined in its own file)', () => {
  const builder = /openSqliteStore|openPostgresStore|createMemoryLimiter|createRedisLimiter/
  // Calls, not the definitions (`function openSqliteStore(`) nor imports.
  const calls = (text: string) => text.split('\n').some((l) => builder.test(l) && !/^\s*(export )?(async )?function |^import /.test(l))
  const callers = sources.filter((s) => calls(s.text)).map((s) => s.path)
  assert.deepEqual(callers.sort(), ['deps/create.ts', 'store/open-store.ts'])
})

test('no source file grows past 300 lines', () => {
  for (const s of sources) assert.ok(s.text.split('\n').length <= 300, `${s.path} has ${s.text.split('\n').length} lines`)
})

test('services and types import no builder: deps/types.ts imports types only, and nothing below the wiring imports deps/create.ts', () => {
  const types = sources.find((s) => s.path === 'deps/types.ts')!
  for (const line of types.text.split('\n').filter((l) => l.startsWith('import '))) assert.match(line, /^import type /, line)
  const wiring = ['server.ts', 'gatehouse.ts', 'cli/context.ts', 'cluster/primary.ts']
  const importers = sources.filter((s) => /from '[./]*deps\/create\.js'/.test(s.text)).map((s) => s.path)
  for (const p of importers) assert.ok(wiring.includes(p) || p.startsWith('cli/'), `${p} imports deps/create.ts`)
})

/** Relative imports of each source file (type imports included, a type cycle is still a cycle, unless `runtimeOnly`). */
function importGraph(runtimeOnly = false): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  const edge = runtimeOnly ? /^(?:import|export) (?!type )[^'"]*from '(\.[^']+)'/gm : /^(?:import|export)[^'"]*from '(\.[^']+)'/gm
  for (const s of sources) {
    const targets = [...s.text.matchAll(edge)].map((m) => relative(SRC, join(SRC, s.path, '..', m[1]!.replace(/\.js$/, '.ts'))))
    graph.set(s.path, targets)
  }
  return graph
}

test('no import cycles in src/ (type imports included)', () => {
  const graph = importGraph()
  assert.ok(graph.size > 100)
  const state = new Map<string, 'open' | 'done'>()
  const cycles: string[] = []
  const visit = (file: string, path: string[]) => {
    if (state.get(file) === 'done') return
    if (state.get(file) === 'open') {
      cycles.push([...path.slice(path.indexOf(file)), file].join(' -> '))
      return
    }
    state.set(file, 'open')
    for (const next of graph.get(file) ?? []) visit(next, [...path, file])
    state.set(file, 'done')
  }
  for (const file of graph.keys()) visit(file, [])
  assert.deepEqual(cycles, [])
})

test('gatehouse/verifier and the framework adapters load nothing of the server: only jose and fastify-plugin at run time', () => {
  const graph = importGraph(true)
  const entries = ['verifier/index.ts', 'guards/fastify.ts', 'guards/express.ts', 'guards/hono.ts']
  const closure = new Set<string>()
  const walk = (f: string) => {
    if (closure.has(f)) return
    closure.add(f)
    for (const next of graph.get(f) ?? []) walk(next)
  }
  for (const e of entries) walk(e)
  assert.ok(closure.size >= 8, [...closure].join(' '))
  for (const f of closure) assert.doesNotMatch(f, /^(store|deps|http\/routes|sessions|accounts|authn|config)\//, `${f} is reached from a lightweight entry`)
  const packages = new Set<string>()
  for (const f of closure) {
    const text = sources.find((s) => s.path === f)!.text
    // Run-time imports only: `import type` is erased.
    for (const m of text.matchAll(/^import (?!type )[^'"]*from '([^.'][^']*)'/gm)) packages.add(m[1]!)
  }
  assert.deepEqual([...packages].filter((p) => !p.startsWith('node:')).sort(), ['fastify-plugin', 'jose'])
})
