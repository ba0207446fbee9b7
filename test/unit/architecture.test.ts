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

test('only the CLI entry reads process.env (and hands it to loadConfig)', () => {
  const readers = sources.filter((s) => /process\.env/.test(s.text)).map((s) => s.path)
  assert.deepEqual(readers.sort(), ['cli/main.ts'])
})

test('store, tokens, passwords, rate-limit, events and lib never import http, errors or fastify', () => {
  const lower = under(/^(store|tokens|passwords|rate-limit|lib|metrics)\//)
  assert.ok(lower.length > 20)
  for (const s of lower) assert.doesNotMatch(s.text, /from '(fastify|.*\/http\/.*|.*\/errors\.js)'/, s.path)
  for (const s of under(/^events\/events\.ts$/)) assert.doesNotMatch(s.text, /from '(fastify|.*\/http\/.*)'/, s.path)
})

test('services (accounts, sessions, events) never import http/ or fastify', () => {
  const services = under(/^(accounts|sessions|events)\//)
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

test('only deps.ts and open-store.ts construct concrete back ends', () => {
  const allowed = [
    'deps.ts',
    'store/open-store.ts',
    'store/sqlite/sqlite-store.ts',
    'store/postgres/postgres-store.ts',
    'rate-limit/memory-limiter.ts',
    'rate-limit/redis-limiter.ts',
  ]
  for (const s of sources.filter((s) => !allowed.includes(s.path))) {
    assert.doesNotMatch(s.text, /openSqliteStore|openPostgresStore|createMemoryLimiter|createRedisLimiter/, s.path)
  }
})

test('no source file grows past 300 lines', () => {
  for (const s of sources) assert.ok(s.text.split('\n').length <= 300, `${s.path} has ${s.text.split('\n').length} lines`)
})
