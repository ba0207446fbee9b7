// The layering rules of docs/architecture, checked on the source so they cannot drift.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { test } from 'node:test'

const SRC = join(import.meta.dirname, '..', '..', 'src')
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []))
const sources = files(SRC).map((f) => ({ path: relative(SRC, f), text: readFileSync(f, 'utf8') }))

test('only config.ts and main.ts touch process.env', () => {
  const readers = sources.filter((s) => /process\.env/.test(s.text)).map((s) => s.path)
  assert.deepEqual(readers.sort(), ['main.ts'])
})

test('store, tokens, passwords, rate-limit and lib never import http, errors or fastify', () => {
  for (const s of sources.filter((s) => /^(store|tokens|passwords|rate-limit|lib)\//.test(s.path))) {
    assert.doesNotMatch(s.text, /from '(fastify|.*\/http\/.*|.*\/errors\.js)'/, s.path)
  }
})

test('only deps.ts and open-store.ts construct concrete back ends', () => {
  const allowed = ['deps.ts', 'store/open-store.ts', 'store/sqlite/sqlite-store.ts', 'rate-limit/memory-limiter.ts']
  for (const s of sources.filter((s) => !allowed.includes(s.path))) {
    assert.doesNotMatch(s.text, /openSqliteStore|createMemoryLimiter/, s.path)
  }
})

test('no source file grows past 300 lines', () => {
  for (const s of sources) assert.ok(s.text.split('\n').length <= 300, `${s.path} has ${s.text.split('\n').length} lines`)
})
