// /end-session (OpenID Connect RP-Initiated Logout 1.0): a valid id_token_hint signs the browser out
// at once; otherwise a confirmation; redirects only to a registered post_logout_redirect_uri.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildTestApp } from '../helpers/build-app.js'
import { PageClient } from '../helpers/page-client.js'
import { authorizeCode, exchange, registerClient, signedInBrowser } from '../helpers/oidc.js'

const AFTER = 'https://app.example.com/signed-out'

test('end-session: with the ID token as hint, the browser is signed out at once and sent to the registered URI with state', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const client = await registerClient(app, deps, { post_logout_redirect_uris: [AFTER] })
  const { page } = await signedInBrowser(app)
  const tokens = (await exchange(app, client, await authorizeCode(page, client))).json()
  const q = new URLSearchParams({ id_token_hint: tokens.id_token, post_logout_redirect_uri: AFTER, state: 'bye' })
  const res = await page.get(`/end-session?${q}`)
  assert.equal(res.statusCode, 303, res.body.slice(0, 300))
  assert.equal(res.headers.location, `${AFTER}?state=bye`)
  const after = await page.get('/account')
  assert.equal(after.statusCode, 303, 'signed out: the account page sends to sign-in')
  assert.match(String(after.headers.location), /^\/account\/login/)
})

test('end-session: without a hint, a confirmation form (CSRF-checked) first; a link from elsewhere cannot sign anyone out', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const client = await registerClient(app, deps, { post_logout_redirect_uris: [AFTER] })
  const { page } = await signedInBrowser(app)
  const ask = await page.get(`/end-session?client_id=${client.client_id}&post_logout_redirect_uri=${encodeURIComponent(AFTER)}`)
  assert.equal(ask.statusCode, 200)
  assert.match(ask.body, /<button type="submit">Sign out<\/button>/)
  assert.equal((await page.get('/account')).statusCode, 200, 'still signed in while asked')
  const forged = await page.post('/end-session/confirm', { client_id: client.client_id, csrf_token: null })
  assert.equal(forged.statusCode, 403)
  assert.equal((await page.get('/account')).statusCode, 200, 'a forged confirmation changes nothing')
  await page.get(`/end-session?client_id=${client.client_id}&post_logout_redirect_uri=${encodeURIComponent(AFTER)}`)
  const confirmed = await page.post('/end-session/confirm', { client_id: client.client_id, post_logout_redirect_uri: AFTER })
  assert.equal(confirmed.statusCode, 303)
  assert.equal(confirmed.headers.location, AFTER)
  assert.equal((await page.get('/account')).statusCode, 303)
})

test('end-session: an unregistered post_logout_redirect_uri, or a hint for another client, is an error page and nothing ends', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const client = await registerClient(app, deps, { post_logout_redirect_uris: [AFTER] })
  const other = await registerClient(app, deps, { post_logout_redirect_uris: ['https://other.example/out'] })
  const { page } = await signedInBrowser(app)
  const tokens = (await exchange(app, client, await authorizeCode(page, client))).json()
  const requests: Record<string, string>[] = [
    { id_token_hint: tokens.id_token, post_logout_redirect_uri: 'https://evil.example/out' },
    { id_token_hint: tokens.id_token, post_logout_redirect_uri: `${AFTER}/` },
    { id_token_hint: tokens.id_token, post_logout_redirect_uri: 'https://other.example/out' },
    { id_token_hint: tokens.id_token, client_id: other.client_id, post_logout_redirect_uri: 'https://other.example/out' },
    { post_logout_redirect_uri: AFTER },
  ]
  for (const q of requests) {
    const res = await page.get(`/end-session?${new URLSearchParams(q)}`)
    assert.equal(res.statusCode, 400, JSON.stringify(q))
    assert.equal(res.headers.location, undefined)
  }
  assert.equal((await page.get('/account')).statusCode, 200, 'still signed in')
  // Without a session: just the signed-out page (or the redirect).
  const stranger = new PageClient(app)
  const out = await stranger.get('/end-session')
  assert.equal(out.statusCode, 200)
  assert.match(out.body, /signed out/)
})
