// Hostile input, generated: requests built from every route's schema in /openapi.json, plus
// malformed variants (wrong types, huge and odd Unicode, missing and extra fields, broken
// encodings, odd headers and methods). Every answer must be a 4xx or a 2xx, never a 5xx, none may
// hang, and the server must still serve afterwards.
// FUZZ_RUNS (default 3000) and FUZZ_SEED set the size and seed: `FUZZ_RUNS=100000 npm run fuzz`.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { buildTestApp } from '../helpers/build-app.js'
import { ADMIN_PASSWORD, adminLogin, login, registerUser } from '../helpers/fixtures.js'

/** Node 20 has String.prototype.toWellFormed (ES2024); the project's lib is ES2023. */
const wellFormed = (s: string): string => (s as unknown as { toWellFormed(): string }).toWellFormed()

const RUNS = Number(process.env.FUZZ_RUNS ?? 3000)
const SEED = Number(process.env.FUZZ_SEED ?? 20261129)

type Schema = {
  type?: string | string[]
  properties?: Record<string, Schema>
  required?: string[]
  anyOf?: Schema[]
  items?: Schema
  enum?: unknown[]
  const?: unknown
  maxLength?: number
}
type Operation = { method: string; path: string; body?: Schema; query?: Schema; params: string[]; form: boolean }

const oddStrings = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\uD800',
    '\uFEFF',
    'a\u0301',
    'ﬁ',
    '𝓪𝓵𝓲𝓬𝓮',
    '../../etc/passwd',
    '%00',
    `$${'{'}jndi:x}`,
    "' OR 1=1 --",
    '<script>',
    '__proto__',
    'constructor',
  ),
  fc.integer({ min: 1000, max: 70_000 }).map((n) => 'x'.repeat(n)),
)

/** Values that fit `schema`, roughly, with odd strings. */
function valueFor(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 3) return fc.anything({ maxDepth: 1 })
  if (schema.const !== undefined) return fc.constant(schema.const)
  if (schema.enum) return fc.constantFrom(...schema.enum)
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((s) => valueFor(s, depth + 1)))
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type
  switch (type) {
    case 'string':
      return oddStrings
    case 'boolean':
      return fc.boolean()
    case 'integer':
    case 'number':
      return fc.oneof(fc.integer(), fc.double())
    case 'null':
      return fc.constant(null)
    case 'array':
      return fc.array(valueFor(schema.items, depth + 1), { maxLength: 4 })
    case 'object': {
      const props = schema.properties ?? {}
      return fc.record(Object.fromEntries(Object.entries(props).map(([k, v]) => [k, valueFor(v, depth + 1)])), { requiredKeys: [] })
    }
    default:
      return fc.anything({ maxDepth: 2 })
  }
}

/** A form field's text: an object (a passkey response) as its JSON, as a form sends it; fast-check's null-prototype objects have no String(). */
const formValue = (x: unknown): string => (typeof x === 'object' && x !== null ? (JSON.stringify(x) ?? '') : String(x))

/** A body for the operation: schema-shaped, or broken in one of many ways. */
function bodyFor(op: Operation): fc.Arbitrary<{ payload: string | Buffer | undefined; contentType: string | undefined }> {
  const shaped = valueFor(op.body)
  const json = (v: unknown) => ({ payload: JSON.stringify(v) ?? 'null', contentType: 'application/json' })
  return fc.oneof(
    shaped.map(json),
    shaped.map((v) => ({
      payload: new URLSearchParams(Object.entries((v as Record<string, unknown>) ?? {}).map(([k, x]): [string, string] => [k, formValue(x)])).toString(),
      contentType: 'application/x-www-form-urlencoded',
    })),
    fc.tuple(shaped, fc.dictionary(oddStrings, fc.anything({ maxDepth: 1 }), { maxKeys: 3 })).map(([v, extra]) => json({ ...extra, ...(v as object) })),
    fc.anything({ maxDepth: 3 }).map(json),
    fc
      .constantFrom('{', '{"a":', 'null', '[]', '"x"', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}', '\u0000')
      .map((p) => ({ payload: p, contentType: 'application/json' })),
    fc.uint8Array({ maxLength: 200 }).map((b) => ({ payload: Buffer.from(b), contentType: 'application/json' })),
    fc.uint8Array({ maxLength: 200 }).map((b) => ({ payload: Buffer.from(b), contentType: 'application/x-www-form-urlencoded' })),
    fc
      .constantFrom('text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', '', 'garbage')
      .map((contentType) => ({ payload: 'a=b', contentType })),
    fc.constant({ payload: undefined, contentType: undefined }),
  )
}

function operations(spec: {
  paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: Schema }> }; parameters?: { in: string; name: string }[] }>>
}): Operation[] {
  const ops: Operation[] = []
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const content = op.requestBody?.content ?? {}
      const body = (content['application/json'] ?? content['application/x-www-form-urlencoded'])?.schema
      const query: Schema = {
        type: 'object',
        properties: Object.fromEntries((op.parameters ?? []).filter((p) => p.in === 'query').map((p) => [p.name, { type: 'string' }])),
      }
      ops.push({
        method: method.toUpperCase(),
        path,
        body,
        query,
        params: [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!),
        form: 'application/x-www-form-urlencoded' in content,
      })
    }
  }
  return ops
}

async function send(app: FastifyInstance, r: { method: string; url: string; headers: Record<string, string>; payload?: string | Buffer }) {
  let timer: NodeJS.Timeout | undefined
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within 10 s: ${r.method} ${r.url}`)), 10_000)
  })
  try {
    return await Promise.race([app.inject(r as InjectOptions), hang])
  } finally {
    clearTimeout(timer)
  }
}

test(`fuzz: ${RUNS} generated requests from /openapi.json: no 5xx, no hang, still serving (seed ${SEED})`, async (t) => {
  // Passkeys on, so their routes are reached past "passkeys are off".
  const { app, deps } = await buildTestApp(t, { WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://auth.example.com' })
  // Pools of sessions: a generated /logout or revoke ends one, not the run's coverage.
  const admin = await adminLogin(app, deps)
  await registerUser(app)
  const pool = [admin.access_token]
  for (let i = 0; i < 10; i++) pool.push((await login(app)).access_token, (await login(app, 'root', ADMIN_PASSWORD)).access_token)
  const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json()
  const ops = operations(spec)
  assert.ok(ops.length >= 20, `${ops.length} operations`)
  const tokens = pool
  const request = fc
    .record({
      op: fc.constantFrom(...ops),
      // Mostly the route's own method (to reach its handler); sometimes any other.
      method: fc.oneof(
        { arbitrary: fc.constant(undefined), weight: 6 },
        { arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND'), weight: 1 },
      ),
      param: oddStrings,
      query: fc.dictionary(fc.oneof(fc.constantFrom('q', 'limit', 'cursor', 'since', 'until', 'type', 'user_id'), oddStrings), oddStrings, { maxKeys: 3 }),
      auth: fc.oneof(
        fc.constantFrom(...tokens).map((tk) => `Bearer ${tk}`),
        oddStrings.map((s) => `Bearer ${s}`),
        oddStrings,
        fc.constant(undefined),
      ),
      extraHeaders: fc.dictionary(
        fc.constantFrom('x-request-id', 'x-forwarded-for', 'user-agent', 'accept', 'content-length', 'transfer-encoding', 'origin'),
        oddStrings,
        { maxKeys: 2 },
      ),
    })
    .chain((r) => bodyFor(r.op).map((b) => ({ ...r, ...b })))

  const statuses = new Map<number, number>()
  await fc.assert(
    fc.asyncProperty(request, async (r) => {
      // toWellFormed: a lone surrogate cannot be percent-encoded; the raw variants still reach the parser.
      const path = r.op.path.replace(/\{\w+\}/g, () => (r.param.startsWith('%') ? r.param : encodeURIComponent(wellFormed(r.param))))
      const qs = new URLSearchParams(Object.entries(r.query).map(([k, v]): [string, string] => [wellFormed(k), wellFormed(v)])).toString()
      const headers: Record<string, string> = {}
      for (const [k, v] of Object.entries(r.extraHeaders)) if (/^[\t\x20-\x7e]*$/.test(v) && k !== 'content-length' && k !== 'transfer-encoding') headers[k] = v
      if (r.auth !== undefined && /^[\t\x20-\x7e]*$/.test(r.auth)) headers.authorization = r.auth
      if (r.contentType !== undefined) headers['content-type'] = r.contentType
      const res = await send(app, { method: r.method ?? r.op.method, url: qs ? `${path}?${qs}` : path, headers, payload: r.payload })
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
      assert.ok(res.statusCode < 500, `${res.statusCode} for ${r.method ?? r.op.method} ${path}: ${res.body.slice(0, 200)}`)
      if (res.statusCode >= 400 && res.statusCode !== 405 && r.method !== 'HEAD')
        assert.ok('detail' in res.json(), `${res.statusCode} without a detail: ${res.body.slice(0, 120)}`)
    }),
    { numRuns: RUNS, seed: SEED, endOnFailure: true },
  )
  t.diagnostic(`statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`)
  // Still serving, and nothing an attack request sent changed the accounts it could not touch.
  assert.equal((await app.inject({ method: 'GET', url: '/' })).statusCode, 200)
  await login(app)
})
