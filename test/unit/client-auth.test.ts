import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DomainError } from '../../src/errors.js'
import { toHttp } from '../../src/http/http-errors.js'
import { authenticateClient } from '../../src/oidc/client-auth.js'
import { CLIENT_SECRET_BYTES, clientSecretMatches, hashClientSecret, newClientSecret } from '../../src/oidc/client-secret.js'
import { registerClient } from '../../src/oidc/clients.js'
import { CLI_META } from '../../src/events/events.js'
import { buildTestApp, testClock } from '../helpers/build-app.js'

const meta = { ip: '203.0.113.9', userAgent: 'test' }
const codeOf = async (p: Promise<unknown>) => {
  try {
    await p
    return 'ok'
  } catch (err) {
    if (err instanceof DomainError) return err.code
    throw err
  }
}

test('client secrets: 256 random bits, a keyed hash bound to the client id, compared whatever the lengths', () => {
  const s = newClientSecret()
  assert.equal(Buffer.from(s, 'base64url').length, CLIENT_SECRET_BYTES)
  assert.ok(CLIENT_SECRET_BYTES * 8 >= 256)
  assert.notEqual(newClientSecret(), s)
  const h = hashClientSecret('c1', s)
  assert.match(h, /^[A-Za-z0-9_-]{43}$/)
  assert.notEqual(h, s)
  assert.equal(clientSecretMatches('c1', s, h), true)
  assert.equal(clientSecretMatches('c2', s, h), false, 'a hash copied to another client does not verify')
  assert.equal(clientSecretMatches('c1', `${s}x`, h), false)
  assert.equal(clientSecretMatches('c1', '', h), false)
  assert.equal(clientSecretMatches('c1', s.slice(0, -1), h), false)
  assert.equal(clientSecretMatches('c1', s, null), false, 'no stored hash (public client, unknown id)')
  assert.equal(clientSecretMatches('c1', s, 'short'), false, 'a corrupt stored hash of another length')
  assert.equal(clientSecretMatches('c1', s, `${h}x`), false)
})

test('authenticateClient: the right secret; a wrong, missing or made-up one is invalid_client (401, WWW-Authenticate: Basic); public clients', async (t) => {
  const { deps } = await buildTestApp(t)
  const actor = { actorId: null, meta: CLI_META }
  const conf = await registerClient(deps, { name: 'Svc', redirect_uris: [], confidential: true, grant_types: ['client_credentials'] }, actor)
  const pub = await registerClient(deps, { name: 'SPA', redirect_uris: ['https://spa.example/cb'] }, actor)
  assert.ok(conf.secret)
  assert.equal(pub.secret, null)

  const ok = await authenticateClient(deps, { clientId: conf.client.id, secret: conf.secret }, meta)
  assert.equal(ok.id, conf.client.id)
  assert.equal(await codeOf(authenticateClient(deps, { clientId: conf.client.id, secret: `${conf.secret}x` }, meta)), 'invalid_client')
  assert.equal(await codeOf(authenticateClient(deps, { clientId: conf.client.id, secret: null }, meta)), 'invalid_client')
  assert.equal(await codeOf(authenticateClient(deps, { clientId: 'no-such-client', secret: conf.secret }, meta)), 'invalid_client')
  assert.equal(await codeOf(authenticateClient(deps, { clientId: 'x'.repeat(5000), secret: 's' }, meta)), 'invalid_client')
  assert.equal((await authenticateClient(deps, { clientId: pub.client.id, secret: null }, meta)).id, pub.client.id, 'a public client names itself')
  assert.equal(await codeOf(authenticateClient(deps, { clientId: pub.client.id, secret: 'anything' }, meta)), 'invalid_client', 'a secret for a public client')

  const http = toHttp(new DomainError('invalid_client'))
  assert.equal(http.status, 401)
  assert.deepEqual(http.body(), { detail: 'Client authentication failed', error: 'invalid_client' })
  assert.match(http.opts.headers?.['www-authenticate'] ?? '', /^Basic /)

  const failures = (await deps.store.scanAuditEvents(0, 100)).filter((e) => e.type === 'client.auth_failed')
  assert.equal(failures.length, 1, 'wrong secrets of a known client are audited; unknown ids and missing secrets are not')
  assert.doesNotMatch(failures[0]!.detailsJson, new RegExp(conf.secret!.slice(0, 20)))
})

test('authenticateClient backs off wrong secrets per client (429), capped; the right secret always passes (ids are public: a back-off that held it would let anyone lock a service out)', async (t) => {
  const clock = testClock()
  const { deps } = await buildTestApp(t, { RATE_LIMIT: 'on' }, { clock })
  const actor = { actorId: null, meta: CLI_META }
  const { client, secret } = await registerClient(deps, { name: 'Svc', redirect_uris: [], confidential: true, grant_types: ['client_credentials'] }, actor)
  const other = await registerClient(deps, { name: 'Other', redirect_uris: [], confidential: true, grant_types: ['client_credentials'] }, actor)
  const wrong = (ip: string) => authenticateClient(deps, { clientId: client.id, secret: 'wrong' }, { ip, userAgent: null })
  // From many addresses, so that only the per-client budget counts.
  const codes: string[] = []
  for (let i = 0; i < 10; i++) codes.push(await codeOf(wrong(`198.51.100.${i}`)))
  assert.deepEqual(codes.slice(0, 5), Array(5).fill('invalid_client'), 'the first failures cost nothing')
  assert.ok(codes.includes('too_many_requests'), `backed off within 10 failures: ${codes}`)
  let refused: unknown
  try {
    await wrong('198.51.100.99')
  } catch (err) {
    refused = err
  }
  assert.ok(refused instanceof DomainError && refused.code === 'too_many_requests', 'a wrong secret waits')
  assert.equal((await authenticateClient(deps, { clientId: client.id, secret }, meta)).id, client.id, 'the right secret is not locked out')
  const h = toHttp(refused as DomainError)
  assert.equal(h.status, 429)
  assert.ok(Number(h.opts.headers?.['retry-after']) >= 1)
  assert.ok(Number(h.opts.headers?.['retry-after']) <= deps.config.loginBackoffMaxSeconds)
  assert.equal(
    (await authenticateClient(deps, { clientId: other.client.id, secret: other.secret }, meta)).id,
    other.client.id,
    'other clients are not affected',
  )
  const types = (await deps.store.scanAuditEvents(0, 100)).map((e) => e.type)
  assert.ok(types.includes('client.locked'))

  clock.advance(deps.config.loginBackoffMaxSeconds + 1)
  assert.equal((await authenticateClient(deps, { clientId: client.id, secret }, meta)).id, client.id, 'the back-off is capped')
  assert.equal(await codeOf(wrong('198.51.100.200')), 'invalid_client', 'a success forgot the failures')
})
