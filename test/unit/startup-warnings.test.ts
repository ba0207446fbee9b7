import assert from 'node:assert/strict'
import { test } from 'node:test'
import { loadConfig } from '../../src/config.js'
import { isLoopback, startupWarnings } from '../../src/startup-warnings.js'

const quiet = { SMTP_URL: 'smtp://mail.example:25', METRICS_TOKEN: 'm'.repeat(32), PUBLIC_URL: 'https://auth.example.com' }
const issuerWarning = (env: Record<string, string>) => startupWarnings(loadConfig({ ...quiet, ...env })).filter((w) => w.startsWith('ISSUER'))

// @see issue 13: a second service whose ISSUER differs refuses every token; nothing warned that the default was in use.
test('start-up warns when ISSUER is left to its http://HOST:PORT default on a host that is not loopback', () => {
  const [warning, ...more] = issuerWarning({ HOST: '0.0.0.0', PORT: '9000' })
  assert.equal(more.length, 0, 'once')
  assert.match(warning!, /^ISSUER is left to its default, http:\/\/0\.0\.0\.0:9000 \(from HOST and PORT\)/)
  assert.match(warning!, /set ISSUER to the public URL/)
  assert.equal(issuerWarning({ HOST: '10.1.2.3' }).length, 1)
  assert.match(issuerWarning({ HOST: '::' })[0]!, /http:\/\/\[::\]:8000/)
})

test('no ISSUER warning on loopback, nor once ISSUER is set; the other warnings are unchanged', () => {
  for (const HOST of ['127.0.0.1', '127.0.1.1', '::1', 'localhost']) assert.deepEqual(issuerWarning({ HOST }), [], HOST)
  assert.deepEqual(issuerWarning({ HOST: '0.0.0.0', ISSUER: 'https://auth.example.com' }), [])
  assert.deepEqual(startupWarnings(loadConfig({ ...quiet, HOST: '127.0.0.1' })), [], 'nothing to warn about')
  const defaults = startupWarnings(loadConfig({}))
  assert.equal(defaults.length, 3)
  assert.match(defaults[0]!, /^SMTP_URL is not set/)
  assert.match(defaults[1]!, /^\/metrics is on the API port without a token: a reverse proxy/)
  assert.match(defaults[2]!, /^passkeys are off: .*set WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS, or a PUBLIC_URL with a host name/)
  assert.match(startupWarnings(loadConfig({ HOST: '0.0.0.0', ISSUER: 'https://auth.example.com' }))[1]!, /^\/metrics is public on the API port/)
})

test('loopback is 127.0.0.0/8, ::1 (also IPv4-mapped) and localhost', () => {
  for (const h of ['127.0.0.1', '127.255.0.9', '::1', '[::1]', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1']) assert.equal(isLoopback(h), true, h)
  for (const h of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'auth.example.com', '::ffff:10.0.0.1']) assert.equal(isLoopback(h), false, h)
})
