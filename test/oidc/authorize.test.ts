// /authorize (RFC 6749 §4.1, RFC 7636, RFC 9207, OpenID Connect Core §3.1.2): the login step is the
// account pages' sign-in, consent is asked once per client and scope set, and errors redirect only
// where the redirect URI is known to be the client's.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildTestApp, testClock } from '../helpers/build-app.js'
import { PageClient } from '../helpers/page-client.js'
import { authorizeCode, authorizeUrl, consentFields, ISSUER, pkce, REDIRECT, redirectParams, registerClient, signedInBrowser } from '../helpers/oidc.js'

test('authorize: no session -> the login page and back; consent names the client and scopes; Allow -> a code with state and iss; remembered after', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const client = await registerClient(app, deps, { name: 'Photo Printer' })
  await signedInBrowser(app, 'alice') // the account exists
  const page = new PageClient(app)
  const p = pkce()
  const url = authorizeUrl(client, { code_challenge: p.challenge })
  const first = await page.get(url)
  assert.equal(first.statusCode, 303)
  const login = new URL(String(first.headers.location), ISSUER)
  assert.equal(login.pathname, '/account/login')
  assert.equal(login.searchParams.get('return_to'), url, 'the login step comes back to this very request')

  await page.get(`${login.pathname}${login.search}`)
  const signedIn = await page.post('/account/login', { username: 'alice', password: 'correct horse battery', return_to: url })
  assert.equal(signedIn.statusCode, 303)
  assert.equal(signedIn.headers.location, url)
  const consent = await page.get(url)
  assert.equal(consent.statusCode, 200)
  assert.match(consent.body, /Photo Printer/)
  assert.match(consent.body, /See your email address/)
  assert.match(consent.body, /<button type="submit" name="decision" value="allow">Allow<\/button>/)
  assert.match(consent.body, />Deny<\/button>/)
  assert.match(String(consent.headers['content-security-policy']), /frame-ancestors 'none'/, 'the consent page cannot be framed')

  const allowed = await page.post('/authorize/consent', { ...consentFields(consent.body), decision: 'allow' })
  const q = redirectParams(allowed)
  assert.match(q.get('code') ?? '', /^[A-Za-z0-9_-]{43}$/, '256 bits')
  assert.equal(q.get('state'), 'st-123')
  assert.equal(q.get('iss'), ISSUER, 'RFC 9207')

  // Remembered: the same client and scopes go straight back with a code.
  const again = redirectParams(await page.get(authorizeUrl(client, { code_challenge: p.challenge })))
  assert.ok(again.get('code'))
  // A wider scope set than consented asks again; prompt=consent asks again.
  assert.equal((await page.get(authorizeUrl(client, { code_challenge: p.challenge, scope: 'openid user' }))).statusCode, 200)
  assert.equal((await page.get(authorizeUrl(client, { code_challenge: p.challenge, prompt: 'consent' }))).statusCode, 200)
  const grants = await deps.store.listConsents((await deps.store.findUserByUsernameKey('alice'))!.id)
  assert.deepEqual(
    grants.map((g) => g.clientId),
    [client.client_id],
  )
})

test('authorize: Deny -> access_denied with state and iss; a first-party client is never asked', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const thirdParty = await registerClient(app, deps)
  const firstParty = await registerClient(app, deps, { first_party: true })
  const { page } = await signedInBrowser(app)
  const p = pkce()
  const consent = await page.get(authorizeUrl(thirdParty, { code_challenge: p.challenge }))
  const denied = redirectParams(await page.post('/authorize/consent', { ...consentFields(consent.body), decision: 'deny' }))
  assert.equal(denied.get('error'), 'access_denied')
  assert.equal(denied.get('state'), 'st-123')
  assert.equal(denied.get('iss'), ISSUER)
  assert.equal(denied.get('code'), null)

  const direct = redirectParams(await page.get(authorizeUrl(firstParty, { code_challenge: p.challenge })))
  assert.ok(direct.get('code'), 'first-party: no consent page')
})

test('authorize: an unknown client or a redirect URI not registered exactly is a 400 page, never a redirect', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const client = await registerClient(app, deps, { redirect_uris: [REDIRECT, 'http://127.0.0.1/cb'] })
  const { page } = await signedInBrowser(app)
  const p = pkce()
  // Control: the registered URI works, and a loopback URI at another port (RFC 8252 §7.3).
  redirectParams(
    await page
      .get(authorizeUrl(client, { code_challenge: p.challenge, prompt: 'consent' }))
      .then((r) => page.post('/authorize/consent', { ...consentFields(r.body), decision: 'allow' })),
  )
  const loopback = await page.get(authorizeUrl(client, { code_challenge: p.challenge, redirect_uri: 'http://127.0.0.1:51234/cb' }))
  assert.ok(String(loopback.headers.location).startsWith('http://127.0.0.1:51234/cb?'), loopback.body.slice(0, 200))

  const nearMisses = [
    `${REDIRECT}/`,
    `${REDIRECT}x`,
    'https://app.example.com/Callback',
    'https://app.example.com.evil.example/callback',
    'https://evil.example/callback',
    `${REDIRECT}?next=https://evil.example`,
    `${REDIRECT}#frag`,
    'https://APP.example.com/callback',
    'http://app.example.com/callback',
    'http://127.0.0.1:51234/cb/../evil',
    'http://localhost:51234/cb',
  ]
  for (const uri of nearMisses) {
    const res = await page.get(authorizeUrl(client, { code_challenge: p.challenge, redirect_uri: uri }))
    assert.equal(res.statusCode, 400, uri)
    assert.equal(res.headers.location, undefined, `${uri}: no redirect`)
    assert.match(res.body, /redirect_uri is missing or is not registered/)
  }
  for (const url of [
    authorizeUrl({ client_id: 'no-such-client' }, { code_challenge: p.challenge }),
    authorizeUrl(client, { code_challenge: p.challenge, redirect_uri: undefined }),
    `${authorizeUrl(client, { code_challenge: p.challenge })}&client_id=${client.client_id}`,
    `${authorizeUrl(client, { code_challenge: p.challenge })}&redirect_uri=${encodeURIComponent(REDIRECT)}`,
  ]) {
    const res = await page.get(url)
    assert.equal(res.statusCode, 400, url)
    assert.equal(res.headers.location, undefined, url)
  }
})

test('authorize: errors the client must hear go to its redirect URI with error, state and iss; nothing is issued', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const client = await registerClient(app, deps, { first_party: true, scopes: ['openid', 'profile'] })
  const { page } = await signedInBrowser(app)
  const p = pkce()
  const cases: [Record<string, string | undefined>, string, string?][] = [
    [{ code_challenge: undefined }, 'invalid_request', 'no PKCE'],
    [{ code_challenge: p.challenge, code_challenge_method: 'plain' }, 'invalid_request', 'PKCE downgrade to plain'],
    [{ code_challenge: p.challenge, code_challenge_method: undefined }, 'invalid_request', 'no method means plain'],
    [{ code_challenge: 'short' }, 'invalid_request'],
    [{ code_challenge: p.challenge, response_type: 'token' }, 'unsupported_response_type', 'no implicit flow'],
    [{ code_challenge: p.challenge, response_type: 'code id_token' }, 'unsupported_response_type', 'no hybrid flow'],
    [{ code_challenge: p.challenge, response_type: undefined }, 'invalid_request'],
    [{ code_challenge: p.challenge, scope: 'openid email' }, 'invalid_scope', 'a scope the client may not ask for'],
    [{ code_challenge: p.challenge, scope: undefined }, 'invalid_scope'],
    [{ code_challenge: p.challenge, prompt: 'none login' }, 'invalid_request'],
    [{ code_challenge: p.challenge, max_age: '-1' }, 'invalid_request'],
    [{ code_challenge: p.challenge, request: 'eyJ...' }, 'request_not_supported'],
    [{ code_challenge: p.challenge, response_mode: 'fragment' }, 'invalid_request'],
  ]
  for (const [params, error, why] of cases) {
    const q = redirectParams(await page.get(authorizeUrl(client, { scope: 'openid profile', ...params })))
    assert.equal(q.get('error'), error, why ?? JSON.stringify(params))
    assert.ok(q.get('error_description'))
    assert.equal(q.get('state'), 'st-123')
    assert.equal(q.get('iss'), ISSUER)
    assert.equal(q.get('code'), null)
  }
  const repeated = redirectParams(await page.get(`${authorizeUrl(client, { code_challenge: p.challenge, scope: 'openid' })}&scope=openid`))
  assert.equal(repeated.get('error'), 'invalid_request', 'a repeated parameter')
  // Control: the same request, well formed, gets a code.
  assert.ok(redirectParams(await page.get(authorizeUrl(client, { code_challenge: p.challenge, scope: 'openid profile' }))).get('code'))
})

test('authorize: prompt=none answers login_required or consent_required instead of showing a page; prompt=login and max_age ask for a fresh sign-in', async (t) => {
  const clock = testClock()
  const { app, deps } = await buildTestApp(t, {}, { clock })
  const client = await registerClient(app, deps)
  const anonymous = new PageClient(app)
  const p = pkce()
  const noSession = redirectParams(await anonymous.get(authorizeUrl(client, { code_challenge: p.challenge, prompt: 'none' })))
  assert.equal(noSession.get('error'), 'login_required')
  assert.equal(noSession.get('iss'), ISSUER)

  const { page } = await signedInBrowser(app)
  const noConsent = redirectParams(await page.get(authorizeUrl(client, { code_challenge: p.challenge, prompt: 'none' })))
  assert.equal(noConsent.get('error'), 'consent_required')
  await authorizeCode(page, client)
  assert.ok(
    redirectParams(await page.get(authorizeUrl(client, { code_challenge: p.challenge, prompt: 'none' }))).get('code'),
    'consented and signed in: silent',
  )

  // prompt=login: the sign-in form even though signed in, then a code whose auth_time is new.
  const fresh = await page.get(authorizeUrl(client, { code_challenge: p.challenge, prompt: 'login', login_hint: 'alice' }))
  const login = new URL(String(fresh.headers.location), ISSUER)
  assert.equal(login.pathname, '/account/login')
  assert.equal(login.searchParams.get('prompt'), 'login')
  const form = await page.get(`${login.pathname}${login.search}`)
  assert.equal(form.statusCode, 200, 'the form, not a redirect, for a signed-in browser')
  assert.match(form.body, /name="username"[^>]*value="alice"/, 'login_hint fills in the username')
  const back = await page.post('/account/login', { username: 'alice', password: 'correct horse battery', return_to: login.searchParams.get('return_to')! })
  const code = redirectParams(await page.follow(back))
  assert.ok(code.get('code'), 'after the fresh sign-in, no second round')

  // max_age=10 once 11 s have passed since the sign-in: a fresh one is needed.
  assert.ok(redirectParams(await page.get(authorizeUrl(client, { code_challenge: p.challenge, max_age: '10' }))).get('code'), 'control: within max_age')
  clock.advance(11)
  const old = await page.get(authorizeUrl(client, { code_challenge: p.challenge, max_age: '10' }))
  assert.equal(old.statusCode, 303)
  assert.equal(new URL(String(old.headers.location), ISSUER).searchParams.get('prompt'), 'login')
})

test('authorize: the consent form is CSRF-protected and bound to the signed-in browser', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const client = await registerClient(app, deps)
  const { page } = await signedInBrowser(app)
  const p = pkce()
  const consent = await page.get(authorizeUrl(client, { code_challenge: p.challenge }))
  const fields = consentFields(consent.body)
  for (const [why, extra, headers] of [
    ['no token', { csrf_token: null }, {}],
    ['a wrong token', { csrf_token: 'x'.repeat(43) }, {}],
    ['a foreign Origin', {}, { origin: 'https://evil.example' }],
    ['Origin null', {}, { origin: 'null' }],
  ] as const) {
    const res = await page.post('/authorize/consent', { ...fields, decision: 'allow', ...extra }, headers)
    assert.equal(res.statusCode, 403, why)
    assert.equal(res.headers.location, undefined, why)
  }
  // Another browser (the attacker's own session) cannot use this page's form.
  const { page: attacker } = await signedInBrowser(app, 'mallory')
  await attacker.get('/account')
  const forged = await attacker.post('/authorize/consent', { ...fields, decision: 'allow', csrf_token: page.csrf })
  assert.equal(forged.statusCode, 403)
  assert.equal((await deps.store.listConsents((await deps.store.findUserByUsernameKey('alice'))!.id)).length, 0, 'nothing consented')
  // Control: the person's own form works.
  assert.ok(redirectParams(await page.post('/authorize/consent', { ...fields, decision: 'allow' })).get('code'))
})

test('authorize and end-session: hostile input (NUL, huge, repeated, odd Unicode, JSON bodies) gets a 4xx or a redirect, never a 5xx', async (t) => {
  const { app, deps } = await buildTestApp(t)
  const client = await registerClient(app, deps)
  const { page } = await signedInBrowser(app)
  const odd = ['\u0000', '%00', '\uD800', 'x'.repeat(70_000), '../../etc/passwd', '<script>', '__proto__', 'constructor', ' ', '']
  const names = [
    'response_type',
    'client_id',
    'redirect_uri',
    'scope',
    'state',
    'nonce',
    'code_challenge',
    'code_challenge_method',
    'prompt',
    'max_age',
    'login_hint',
    'id_token_hint',
    'post_logout_redirect_uri',
  ]
  const base = {
    response_type: 'code',
    client_id: client.client_id,
    redirect_uri: REDIRECT,
    scope: 'openid',
    code_challenge: pkce().challenge,
    code_challenge_method: 'S256',
  }
  for (const name of names) {
    for (const value of odd) {
      const q = new URLSearchParams({ ...base, [name]: value }).toString()
      for (const res of [
        await page.get(`/authorize?${q}`),
        await page.get(`/authorize?${q}&${name}=again`),
        await page.post('/authorize', { ...base, [name]: value }),
        await page.get(`/end-session?${q}`),
        await app.inject({
          method: 'POST',
          url: '/authorize',
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify({ ...base, [name]: [value, { a: 1 }] }),
        }),
      ]) {
        assert.ok(res.statusCode < 500, `${name}=${JSON.stringify(value.slice(0, 20))}: ${res.statusCode} ${res.body.slice(0, 200)}`)
      }
    }
  }
  const still = await page.get(authorizeUrl(client, { code_challenge: pkce().challenge }))
  assert.equal(still.statusCode, 200, 'still serving: the consent page')
  assert.match(still.body, /value="allow"/)
})
