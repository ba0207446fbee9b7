import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildTestApp } from '../helpers/build-app.js'
import { login, me, PASSWORD, registerUser } from '../helpers/fixtures.js'
import { PageClient } from '../helpers/page-client.js'

const NEW_PASSWORD = 'a brand new passphrase'

/** Every state-changing form of a signed-in person, with fields that would succeed. */
const SIGNED_IN_FORMS: [string, Record<string, string>][] = [
  ['/account/security/password', { current_password: PASSWORD, new_password: NEW_PASSWORD }],
  ['/account/email', { email: 'new@example.com', current_password: PASSWORD }],
  ['/account/verify-email/resend', {}],
  ['/account/security/totp', { password: PASSWORD }],
  ['/account/security/totp/confirm', { code: '123456' }],
  ['/account/security/totp/disable', { password: PASSWORD }],
  ['/account/security/recovery-codes', { password: PASSWORD }],
  ['/account/sessions/end', { id: 'x' }],
  ['/account/logout', {}],
]
/** And of someone not signed in yet. */
const ANONYMOUS_FORMS: [string, Record<string, string>][] = [
  ['/account/login', { username: 'alice', password: PASSWORD }],
  ['/account/login/mfa', { otp: '123456' }],
  ['/account/register', { username: 'mallory', password: PASSWORD }],
  ['/account/forgot-password', { email: 'alice@example.com' }],
  ['/account/reset-password', { token: 'x'.repeat(43), new_password: NEW_PASSWORD }],
]

// @see issue 14
test('CSRF: every form without its token, with a wrong one, from a foreign Origin or from Origin null is refused 403 and changes nothing (control: with it, it works)', async (t) => {
  const { app } = await buildTestApp(t)
  await registerUser(app, { email: 'alice@example.com' })
  const victim = new PageClient(app)
  assert.equal((await victim.signIn('alice', PASSWORD)).statusCode, 303)
  await victim.get('/account/security')
  const token = victim.csrf
  const attacks: [string, (url: string, fields: Record<string, string>) => ReturnType<PageClient['post']>][] = [
    ['no token', (url, fields) => victim.post(url, { ...fields, csrf_token: null })],
    ['a wrong token', (url, fields) => victim.post(url, { ...fields, csrf_token: 'A'.repeat(43) })],
    ['a foreign Origin', (url, fields) => victim.post(url, { ...fields, csrf_token: token }, { origin: 'https://evil.example' })],
    ['Origin null', (url, fields) => victim.post(url, { ...fields, csrf_token: token }, { origin: 'null' })],
    ['a cross-site fetch without Origin', (url, fields) => victim.post(url, { ...fields, csrf_token: token }, { origin: '', 'sec-fetch-site': 'cross-site' })],
  ]
  for (const [url, fields] of [...SIGNED_IN_FORMS, ...ANONYMOUS_FORMS]) {
    for (const [name, attack] of attacks) {
      const res = await attack(url, fields)
      assert.equal(res.statusCode, 403, `${url} with ${name}: ${res.statusCode}`)
      assert.match(res.body, /This form expired or did not come from this site/)
    }
  }
  // Nothing changed: the old password works, the new one does not, the browser is still signed in, no email change.
  assert.equal((await login(app, 'alice', PASSWORD)).token_type, 'bearer')
  assert.equal((await victim.get('/account')).statusCode, 200, 'still signed in: logout was refused too')
  const user = (await me(app, (await login(app)).access_token)).json() as { email: string; mfa: { totp: boolean } }
  assert.equal(user.email, 'alice@example.com')
  assert.equal(user.mfa.totp, false)
  // Control: the same request with the token and our Origin goes through.
  await victim.get('/account/security')
  const ok = await victim.post('/account/security/password', { current_password: PASSWORD, new_password: NEW_PASSWORD })
  assert.equal(ok.statusCode, 303, ok.body)
  assert.equal((await login(app, 'alice', NEW_PASSWORD)).token_type, 'bearer')
})

test('CSRF: a token is bound to the browser that got it: another signed-in browser cannot use it', async (t) => {
  const { app } = await buildTestApp(t)
  await registerUser(app)
  await registerUser(app, { username: 'mallory', email: null })
  const alice = new PageClient(app)
  await alice.signIn('alice', PASSWORD)
  const mallory = new PageClient(app)
  await mallory.signIn('mallory', PASSWORD)
  await mallory.get('/account/security')
  await alice.get('/account/security')
  const res = await alice.post('/account/logout', { csrf_token: mallory.csrf })
  assert.equal(res.statusCode, 403)
  assert.equal((await alice.post('/account/logout', {})).statusCode, 303, 'control: her own token works')
})

test('clickjacking: every page forbids framing (CSP frame-ancestors none, X-Frame-Options DENY), allows no inline script, and sends Referrer-Policy same-origin', async (t) => {
  const { app } = await buildTestApp(t)
  await registerUser(app)
  const browser = new PageClient(app)
  await browser.signIn('alice', PASSWORD)
  for (const url of [
    '/account/login',
    '/account/register',
    '/account/forgot-password',
    '/account/reset-password?token=x',
    '/account/verify-email?token=x',
    '/account',
    '/account/security',
    '/account/sessions',
    '/account/apps',
  ]) {
    const res = await browser.get(url)
    assert.ok(res.statusCode < 500, url)
    const csp = String(res.headers['content-security-policy'])
    assert.match(csp, /frame-ancestors 'none'/, url)
    assert.match(csp, /script-src 'self'(;|$)/, `${url}: script only from here, none inline`)
    assert.doesNotMatch(csp, /unsafe-inline/, url)
    assert.equal(res.headers['x-frame-options'], 'DENY', url)
    assert.equal(res.headers['referrer-policy'], 'same-origin', url)
    assert.equal(res.headers['cache-control'], 'no-store', url)
    assert.doesNotMatch(res.body, /<script(?![^>]*\bsrc=)[^>]*>/, `${url}: no inline script element`)
  }
})

test('open redirect: return_to is followed only to a path on this origin', async (t) => {
  const { app } = await buildTestApp(t)
  await registerUser(app)
  const control = await new PageClient(app).signIn('alice', PASSWORD, '/account/sessions?x=1')
  assert.equal(control.headers.location, '/account/sessions?x=1', 'control: a same-origin path is followed')
  for (const evil of [
    'https://evil.example/',
    '//evil.example/',
    '/\\evil.example',
    '\\\\evil.example',
    '/\t/evil.example',
    'javascript:alert(1)',
    ' https://evil.example',
    '/%0d%0aSet-Cookie:x=1',
  ]) {
    const res = await new PageClient(app).signIn('alice', PASSWORD, evil)
    assert.equal(res.statusCode, 303, evil)
    const to = String(res.headers.location)
    assert.ok(to === '/account' || (to.startsWith('/') && !to.startsWith('//') && !to.includes('\\')), `${JSON.stringify(evil)} -> ${to}`)
    assert.doesNotMatch(to, /evil\.example|javascript:|[\r\n]/, `${JSON.stringify(evil)} -> ${to}`)
  }
  // Already signed in: the login page sends on at once, with the same rule.
  const b = new PageClient(app)
  await b.signIn('alice', PASSWORD)
  assert.equal((await b.get('/account/login?return_to=//evil.example')).headers.location, '/account')
  assert.equal((await b.get('/account/login?return_to=/.//evil.example')).headers.location, '/account')
})

test('reflected input: an XSS payload in username, email, return_to and the messages is text on every page', async (t) => {
  const { app } = await buildTestApp(t)
  const payload = '"><script>alert(1)</script><img src=x onerror=alert(1)>'
  const b = new PageClient(app)
  await b.get('/account/register')
  const reg = await b.post('/account/register', { username: payload, email: `${payload}@example.com`, password: 'short' })
  assert.equal(reg.statusCode, 422)
  await b.get('/account/login')
  const pages = [
    reg,
    await b.post('/account/login', { username: payload, password: payload, return_to: payload }),
    await b.get(`/account/login?return_to=${encodeURIComponent(payload)}&notice=${encodeURIComponent(payload)}`),
    await b.get(`/account/reset-password?token=${encodeURIComponent(payload)}`),
    await b.get(`/account/verify-email?token=${encodeURIComponent(payload)}`),
  ]
  await b.get('/account/forgot-password')
  pages.push(await b.post('/account/forgot-password', { email: payload }))
  for (const res of pages) {
    assert.ok(res.statusCode < 500)
    assert.doesNotMatch(res.body, /<script>alert|<img src=x|"><script/, res.body.slice(0, 300))
  }
  assert.match(reg.body, /&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;/, 'the username is kept, as text')
})

test("CSRF: once signed in, only the session's token counts: a token from the sign-in page (the CSRF cookie's) is refused, and sign-in issues a new CSRF cookie", async (t) => {
  const { app } = await buildTestApp(t)
  await registerUser(app)
  const b = new PageClient(app)
  await b.get('/account/login')
  const anonymousToken = b.csrf
  const csrfCookie = b.cookies.get('gatehouse_csrf')
  const res = await b.post('/account/login', { username: 'alice', password: PASSWORD })
  assert.equal(res.statusCode, 303)
  assert.notEqual(b.cookies.get('gatehouse_csrf'), csrfCookie, 'a new CSRF secret at sign-in')
  const refused = await b.post('/account/logout', { csrf_token: anonymousToken })
  assert.equal(refused.statusCode, 403)
  await b.get('/account')
  assert.notEqual(b.csrf, anonymousToken)
  assert.equal((await b.post('/account/logout', {})).statusCode, 303, "control: the session's token works")
})

test("a ?notice= shows only the page's own texts (not Object.prototype's)", async (t) => {
  const { app } = await buildTestApp(t)
  const control = await app.inject({ method: 'GET', url: '/account/login?notice=signed_out' })
  assert.match(control.body, /You are signed out/)
  for (const key of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    const res = await app.inject({ method: 'GET', url: `/account/login?notice=${key}` })
    assert.equal(res.statusCode, 200)
    assert.doesNotMatch(res.body, /class="notice"/, key)
  }
})
