// Why a bearer token was refused, at debug level: a second service whose ISSUER differs used to
// refuse every token with nothing logged. The client still gets the same 401; the token never
// reaches the log.
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { type TestContext, test } from 'node:test'
import { importJWK, type JWK, SignJWT } from 'jose'
import pino from 'pino'
import { loggerOptions } from '../../src/deps/create.js'
import { buildTestApp, sharedDatabase } from '../helpers/build-app.js'
import { decodeJwt, login, me, registerUser } from '../helpers/fixtures.js'

type Line = { level: number; msg: string; refused?: { check: string; expected?: unknown; received?: unknown; kid?: string } }

/** A logger as the server builds it (same redaction), at `level`, keeping every line. */
function capture(level: string) {
  const lines: string[] = []
  const log = pino(loggerOptions(level), { write: (s: string) => void lines.push(s) })
  return { log, lines, refusals: () => lines.map((l) => JSON.parse(l) as Line).filter((l) => l.refused) }
}

async function assertRefused(app: Awaited<ReturnType<typeof buildTestApp>>['app'], token: string, what: string) {
  const res = await me(app, token)
  assert.deepEqual([res.statusCode, res.json()], [401, { detail: 'Could not validate credentials' }], what)
}

// @see issue 13: every token refused, nothing logged.
test('a token from a service with another ISSUER is refused with a debug line naming the expected and the received iss', async (t: TestContext) => {
  const db = sharedDatabase(t)
  const { app: issuing } = await buildTestApp(t, { ...db, ISSUER: 'http://auth-a.example:8000' })
  await registerUser(issuing)
  const { access_token } = await login(issuing)
  const { log, lines, refusals } = capture('debug')
  const { app } = await buildTestApp(t, { ...db, ISSUER: 'http://auth-b.example:8000' }, { log })
  await assertRefused(app, access_token, 'another issuer')
  const [line, ...more] = refusals()
  assert.equal(more.length, 0)
  assert.equal(line!.level, 20, 'debug')
  assert.deepEqual(line!.refused, {
    check: 'iss',
    expected: 'http://auth-b.example:8000',
    received: 'http://auth-a.example:8000',
    kid: decodeJwt(access_token).header.kid,
  })
  assert.match(line!.msg, /access token refused: iss is "http:\/\/auth-a\.example:8000", expected "http:\/\/auth-b\.example:8000"/)
  assert.ok(!lines.join('').includes(access_token), 'never the token')
  assert.ok(!lines.join('').includes(access_token.split('.')[2]!), 'not even its signature')
})

test('each refusal names its check: aud, typ, alg, unknown kid, signature, expiry, malformed; an accepted token logs none', async (t) => {
  const { log, lines, refusals } = capture('debug')
  const { app, deps } = await buildTestApp(t, { AUDIENCE: 'api' }, { log })
  await registerUser(app)
  const good = (await login(app)).access_token
  assert.equal((await me(app, good)).statusCode, 200)
  assert.equal(refusals().length, 0, 'accepted: nothing')
  const { header, payload } = decodeJwt(good)
  const row = (await deps.store.listSigningKeys()).find((r) => r.alg === 'EdDSA') // not the ID tokens' RS256 key
  const key = await importJWK(JSON.parse(row!.privateJwk) as JWK, 'EdDSA')
  const sign = (claims: Record<string, unknown>, hdr: Record<string, unknown> = {}) =>
    new SignJWT(claims).setProtectedHeader({ ...(header as { alg: string }), ...hdr }).sign(key)
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
  const hsInput = `${b64({ ...header, alg: 'HS256' })}.${b64(payload)}`
  const [h, p, sig] = good.split('.')
  const flipped = `${h}.${p}.${sig!.slice(0, 10)}${sig![10] === 'A' ? 'B' : 'A'}${sig!.slice(11)}`
  const now = Math.floor(Date.now() / 1000)
  const cases: [string, string, Partial<NonNullable<Line['refused']>>][] = [
    ['aud', await sign({ ...payload, aud: 'elsewhere' }), { expected: 'api', received: 'elsewhere' }],
    ['typ', await sign(payload, { typ: 'JWT' }), { expected: 'at+jwt', received: 'JWT' }],
    ['alg', `${hsInput}.${createHmac('sha256', 'x').update(hsInput).digest('base64url')}`, { expected: 'EdDSA', received: 'HS256' }],
    ['kid', await sign(payload, { kid: 'no-such-key' }), { received: 'no-such-key', kid: 'no-such-key' }],
    ['signature', flipped, { kid: header.kid as string }],
    ['exp', await sign({ ...payload, iat: now - 7200, exp: now - 3600 }), { received: new Date((now - 3600) * 1000).toISOString() }],
    ['malformed', 'not-a-jwt', {}],
  ]
  for (const [check, token, facts] of cases) {
    const before = refusals().length
    await assertRefused(app, token, check)
    const found = refusals().slice(before)
    assert.equal(found.length, 1, check)
    assert.equal(found[0]!.refused!.check, check, `${check}: ${found[0]!.msg}`)
    for (const [k, v] of Object.entries(facts)) assert.deepEqual(found[0]!.refused![k as 'check'], v, `${check}.${k}`)
    assert.ok(!lines.join('').includes(token), `${check}: never the token`)
  }
})

test('at the default info level nothing is logged for a refused token', async (t) => {
  const { log, lines } = capture('info')
  const { app } = await buildTestApp(t, {}, { log })
  const before = lines.length
  await assertRefused(app, 'not-a-jwt', 'garbage')
  assert.ok(lines.slice(before).every((l) => !l.includes('refused')))
})
