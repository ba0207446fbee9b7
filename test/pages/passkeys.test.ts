import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildTestApp, testClock } from '../helpers/build-app.js'
import { PASSWORD, registerUser } from '../helpers/fixtures.js'
import { PageClient } from '../helpers/page-client.js'

const ORIGIN = 'http://localhost:8000'
const ENV = { PUBLIC_URL: ORIGIN }

// @see issue 14 (review): a session cookie alone must not add a passkey, a credential that skips the password and TOTP for good.
test('pages: adding a passkey needs the password unless the browser signed in within 5 minutes (control: fresh, no password)', async (t) => {
  const clock = testClock()
  const { app } = await buildTestApp(t, ENV, { clock })
  await registerUser(app)
  const b = new PageClient(app, { origin: ORIGIN })
  await b.signIn('alice', PASSWORD)
  await b.get('/account/security')
  assert.match(b.last?.body ?? '', /<button type="button">Add a passkey<\/button>/)
  const fresh = await b.postJson('/account/passkeys/options', {})
  assert.equal(fresh.statusCode, 200, fresh.body)
  assert.ok((fresh.json() as { challenge: string }).challenge, 'control: creation options')

  clock.advance(301)
  const stale = await b.postJson('/account/passkeys/options', {})
  assert.equal(stale.statusCode, 403)
  assert.match((stale.json() as { detail: string }).detail, /Confirm it is you/)
  const wrong = await b.postJson('/account/passkeys/options', { password: 'not the password' })
  assert.equal(wrong.statusCode, 403)
  assert.match((wrong.json() as { detail: string }).detail, /Invalid password/)
  const right = await b.postJson('/account/passkeys/options', { password: PASSWORD })
  assert.equal(right.statusCode, 200)
  // The JSON calls are CSRF-checked like forms.
  const forged = await b.postJson('/account/passkeys/options', { password: PASSWORD }, { 'x-csrf-token': 'A'.repeat(43) })
  assert.equal(forged.statusCode, 403)
  const foreign = await b.postJson('/account/passkeys/options', { password: PASSWORD }, { origin: 'https://evil.example' })
  assert.equal(foreign.statusCode, 403)
})

test('pages: the passkey sign-in answers JSON errors in the API words, and a garbage response is a 4xx', async (t) => {
  const { app } = await buildTestApp(t, ENV)
  const b = new PageClient(app, { origin: ORIGIN })
  await b.get('/account/login')
  const options = await b.postJson('/account/login/passkey/options', {})
  assert.equal(options.statusCode, 200)
  assert.deepEqual((options.json() as { allowCredentials: unknown[] }).allowCredentials, [])
  for (const response of [null, 'x', { id: 'x', rawId: 'x', type: 'public-key', response: {} }]) {
    const res = await b.postJson('/account/login/passkey', { response, return_to: '/.//evil.example' })
    assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${res.statusCode} ${res.body}`)
    assert.equal(typeof (res.json() as { detail: unknown }).detail, 'string')
    assert.equal(b.cookies.has('gatehouse_session'), false)
  }
})

test('pages: asking to add a passkey without a password spends no password budget (cancelled dialogs never lock password changes); with a wrong password it does', async (t) => {
  const { app } = await buildTestApp(t, { ...ENV, RATE_LIMIT: 'on' })
  await registerUser(app)
  const b = new PageClient(app, { origin: ORIGIN })
  await b.signIn('alice', PASSWORD)
  await b.get('/account/security')
  for (let i = 0; i < 12; i++) assert.equal((await b.postJson('/account/passkeys/options', {})).statusCode, 200, `request ${i + 1}`)
  await b.get('/account/security')
  const change = await b.post('/account/security/password', { current_password: PASSWORD, new_password: 'a brand new passphrase' })
  assert.equal(change.statusCode, 303, 'control: the password change is not locked out')
  await b.get('/account/security')
  let last = 0
  for (let i = 0; i < 12; i++) last = (await b.postJson('/account/passkeys/options', { password: 'wrong password here' })).statusCode
  assert.equal(last, 429, 'wrong passwords do spend it')
})
