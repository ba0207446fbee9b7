import assert from 'node:assert/strict'
import { test } from 'node:test'
import { totpCodeAt } from '../../src/authn/factors/totp.js'
import { buildTestApp, testClock } from '../helpers/build-app.js'
import { ADMIN_PASSWORD, adminLogin, bearer, FORM, form, login, PASSWORD, refreshRequest, registerUser } from '../helpers/fixtures.js'
import { enrolTotp } from '../helpers/mfa.js'
import { PageClient } from '../helpers/page-client.js'

// @see issue 14
test('pages: sign up, sign in (a Gatehouse session in an HttpOnly SameSite=Lax cookie, listed by the API), sign out ends it', async (t) => {
  const { app } = await buildTestApp(t)
  const browser = new PageClient(app)
  const form0 = await browser.get('/account/register')
  assert.equal(form0.statusCode, 200)
  assert.match(form0.body, /<h1>Create an account<\/h1>/)
  for (const name of ['username', 'email', 'password']) assert.match(form0.body, new RegExp(`<label for="f-${name}">`), `a label for ${name}`)
  const created = await browser.post('/account/register', { username: 'alice', email: 'alice@example.com', password: PASSWORD })
  assert.equal(created.statusCode, 303, created.body)
  assert.match(String(created.headers.location), /^\/account\/login\?notice=created$/)

  const signedIn = await browser.signIn('alice', PASSWORD)
  assert.equal(signedIn.statusCode, 303, signedIn.body)
  assert.equal(signedIn.headers.location, '/account')
  const setCookie = String(signedIn.headers['set-cookie'])
  assert.match(setCookie, /gatehouse_session=[A-Za-z0-9_-]{43};/)
  assert.match(setCookie, /HttpOnly/)
  assert.match(setCookie, /SameSite=Lax/)
  assert.doesNotMatch(setCookie, /__Host-/, 'no __Host- prefix on http (it needs Secure)')
  const profile = await browser.follow(signedIn)
  assert.equal(profile.statusCode, 200)
  assert.match(profile.body, /Signed in as <strong>alice<\/strong>/)
  assert.doesNotMatch(profile.body, /eyJ[A-Za-z0-9_-]{10,}/, 'no JWT in the page')

  // The browser session is a Gatehouse session: the API lists it, and ending it there signs the browser out.
  const api = await login(app)
  const listed = (await app.inject({ method: 'GET', url: '/users/me/sessions', headers: bearer(api.access_token) })).json() as {
    id: string
    current: boolean
  }[]
  assert.equal(listed.length, 2)
  const browserSession = listed.find((s) => !s.current)
  assert.ok(browserSession)
  const sessionsPage = await browser.get('/account/sessions')
  assert.match(sessionsPage.body, new RegExp(`name="id" value="${browserSession.id}"`), 'the end form carries the id the API lists')

  const cookie = browser.cookies.get('gatehouse_session') as string
  const out = await browser.post('/account/logout', {})
  assert.equal(out.statusCode, 303)
  assert.equal((await browser.get('/account')).statusCode, 303, 'signed out: to the sign-in page')
  // The old cookie, replayed after logout, is worth nothing.
  const replay = await app.inject({ method: 'GET', url: '/account', headers: { cookie: `gatehouse_session=${cookie}` } })
  assert.equal(replay.statusCode, 303)
  assert.match(String(replay.headers.location), /^\/account\/login\?return_to=%2Faccount/)
  // Nor is it a refresh token (hashed apart).
  const asRefresh = await app.inject(refreshRequest(cookie))
  assert.equal(asRefresh.statusCode, 400)
})

test('pages: a wrong password and an unknown user re-render the form with 401 and the API words; the username stays, the password does not', async (t) => {
  const { app } = await buildTestApp(t)
  await registerUser(app)
  const browser = new PageClient(app)
  const control = await browser.signIn('alice', PASSWORD)
  assert.equal(control.statusCode, 303, 'control: the right password signs in')
  for (const [username, password] of [
    ['alice', 'wrong password here'],
    ['nobody', PASSWORD],
  ] as const) {
    const b = new PageClient(app)
    const res = await b.signIn(username, password)
    assert.equal(res.statusCode, 401)
    assert.match(res.body, /<p class="error" id="f-password-error">Invalid credentials<\/p>/)
    assert.match(res.body, new RegExp(`name="username" type="text" value="${username}"`))
    assert.doesNotMatch(res.body, new RegExp(password))
    assert.equal(b.cookies.has('gatehouse_session'), false)
  }
})

test('pages: with TOTP, the password step asks for the code (the challenge in an HttpOnly cookie, not the page); the code or a recovery code signs in once', async (t) => {
  const clock = testClock()
  const { app } = await buildTestApp(t, {}, { clock })
  await registerUser(app)
  const { secret, recoveryCodes } = await enrolTotp(app, (await login(app)).access_token, clock)
  clock.advance(60)

  const browser = new PageClient(app)
  const step = await browser.signIn('alice', PASSWORD, '/account/security')
  assert.equal(step.statusCode, 200)
  assert.match(step.body, /<h1>Two-factor authentication<\/h1>/)
  assert.match(step.body, /name="otp"/)
  assert.match(step.body, /<button type="submit">Continue<\/button>/)
  assert.equal(browser.cookies.has('gatehouse_session'), false, 'no session after the password alone')
  assert.ok(browser.cookies.has('gatehouse_mfa'))
  assert.doesNotMatch(step.body, new RegExp(browser.cookies.get('gatehouse_mfa') as string), 'the challenge is not in the page')

  const wrong = await browser.post('/account/login/mfa', { otp: '000000', return_to: '/account/security' })
  assert.equal(wrong.statusCode, 401)
  assert.match(wrong.body, /id="f-otp-error">Invalid code</)
  const ok = await browser.post('/account/login/mfa', { otp: totpCodeAt(secret, clock()), return_to: '/account/security' })
  assert.equal(ok.statusCode, 303, ok.body)
  assert.equal(ok.headers.location, '/account/security')
  assert.ok(browser.cookies.has('gatehouse_session'))
  assert.equal(browser.cookies.has('gatehouse_mfa'), false, 'the challenge cookie is cleared')

  const other = new PageClient(app)
  await other.signIn('alice', PASSWORD)
  const viaRecovery = await other.post('/account/login/mfa', { recovery_code: recoveryCodes[0] as string })
  assert.equal(viaRecovery.statusCode, 303)
  const third = new PageClient(app)
  await third.signIn('alice', PASSWORD)
  const again = await third.post('/account/login/mfa', { recovery_code: recoveryCodes[0] as string })
  assert.equal(again.statusCode, 401, 'a recovery code works once')
  assert.match(again.body, /id="f-recovery_code-error"/)
})

test('pages: ACCOUNT_PAGES=off removes them (404)', async (t) => {
  const { app } = await buildTestApp(t, { ACCOUNT_PAGES: 'off' })
  for (const url of ['/account', '/account/login', '/account/register', '/account/assets/app.css']) {
    assert.equal((await app.inject({ method: 'GET', url })).statusCode, 404, url)
  }
  assert.equal((await app.inject({ method: 'POST', url: '/account/login', headers: FORM, payload: form({ username: 'a', password: 'b' }) })).statusCode, 404)
})

test('pages: signing in again in the same browser ends the session it held (one session per browser, a new secret each time); an unknown page is an HTML 404', async (t) => {
  const { app } = await buildTestApp(t)
  await registerUser(app)
  const browser = new PageClient(app)
  await browser.signIn('alice', PASSWORD)
  const first = browser.cookies.get('gatehouse_session') as string
  await browser.get('/account') // a page of the signed-in browser: its forms carry the session's token
  const again = await browser.post('/account/login', { username: 'alice', password: PASSWORD })
  assert.equal(again.statusCode, 303)
  const second = browser.cookies.get('gatehouse_session') as string
  assert.notEqual(second, first)
  const old = await app.inject({ method: 'GET', url: '/account', headers: { cookie: `gatehouse_session=${first}` } })
  assert.equal(old.statusCode, 303, 'the first session ended')
  const api = await login(app)
  const listed = (await app.inject({ method: 'GET', url: '/users/me/sessions', headers: bearer(api.access_token) })).json() as unknown[]
  assert.equal(listed.length, 2, 'the API session and one browser session')
  const missing = await browser.get('/account/no-such-page')
  assert.equal(missing.statusCode, 404)
  assert.match(String(missing.headers['content-type']), /^text\/html/)
  assert.match(missing.body, /<h1>Page not found<\/h1>/)
})

test('pages: MFA_REQUIRED_ROLES sends an admin without a factor to set one up (control: a user goes where asked)', async (t) => {
  const { app, deps } = await buildTestApp(t, { MFA_REQUIRED_ROLES: 'admin' })
  await adminLogin(app, deps)
  await registerUser(app)
  const user = await new PageClient(app).signIn('alice', PASSWORD, '/account/sessions')
  assert.equal(user.headers.location, '/account/sessions', 'control')
  const admin = await new PageClient(app).signIn('root', ADMIN_PASSWORD, '/account/sessions')
  assert.equal(admin.statusCode, 303)
  assert.equal(admin.headers.location, '/account/security?notice=mfa_enrol')
})

test('pages: a browser session in use stays alive past its idle lifetime (its idle end slides, its last use shows), and ends at its absolute end', async (t) => {
  const clock = testClock()
  const { app } = await buildTestApp(t, { SESSION_IDLE_TTL: '14d', REFRESH_TOKEN_TTL: '30d' }, { clock })
  await registerUser(app)
  const b = new PageClient(app)
  const res = await b.signIn('alice', PASSWORD)
  assert.equal(String(res.headers['set-cookie']).match(/gatehouse_session=/g)?.length, 1, 'one Set-Cookie line for the session')
  // A sign-in from a browser holding a dead session cookie: the clearing and the new cookie are one line.
  const stale = new PageClient(app)
  await stale.get('/account/login')
  stale.cookies.set('gatehouse_session', 'A'.repeat(43))
  const again = await stale.post('/account/login', { username: 'alice', password: PASSWORD })
  const lines = ([] as string[]).concat(again.headers['set-cookie'] as string[])
  assert.equal(lines.filter((l) => l.startsWith('gatehouse_session=')).length, 1, lines.join('\n'))
  assert.match(lines.find((l) => l.startsWith('gatehouse_session=')) ?? '', /^gatehouse_session=[A-Za-z0-9_-]{43};/)
  for (let day = 0; day < 3; day++) {
    clock.advance(13 * 86400)
    if (day < 2) assert.equal((await b.get('/account')).statusCode, 200, `day ${13 * (day + 1)}: in use, still signed in`)
  }
  // Day 39: past the 30-day absolute end, whatever the use.
  assert.equal((await b.get('/account')).statusCode, 303)
  const idle = new PageClient(app)
  await idle.signIn('alice', PASSWORD)
  clock.advance(15 * 86400)
  assert.equal((await idle.get('/account')).statusCode, 303, 'control: unused for 15 days, it ended')
})

test('pages: the session list shows when a browser session was last used', async (t) => {
  const clock = testClock()
  const { app } = await buildTestApp(t, {}, { clock })
  await registerUser(app)
  const b = new PageClient(app)
  await b.signIn('alice', PASSWORD)
  clock.advance(3600)
  await b.get('/account')
  const api = await login(app)
  const listed = (await app.inject({ method: 'GET', url: '/users/me/sessions', headers: bearer(api.access_token) })).json() as {
    current: boolean
    created_at: string
    last_used_at: string
  }[]
  const browserSession = listed.find((s) => !s.current)
  assert.ok(browserSession)
  assert.equal(new Date(browserSession.last_used_at).getTime() - new Date(browserSession.created_at).getTime(), 3600_000)
})

test('pages: on https (PUBLIC_URL), the cookies are __Host- prefixed and Secure, with Path=/ and no Domain', async (t) => {
  const { app } = await buildTestApp(t, { PUBLIC_URL: 'https://auth.example.com' })
  await registerUser(app)
  const b = new PageClient(app, { origin: 'https://auth.example.com' })
  const res = await b.signIn('alice', PASSWORD)
  assert.equal(res.statusCode, 303, res.body)
  const lines = ([] as string[]).concat(res.headers['set-cookie'] as string | string[])
  const session = lines.find((l) => l.startsWith('__Host-gatehouse_session='))
  assert.ok(session, lines.join('\n'))
  for (const attr of ['Secure', 'HttpOnly', 'SameSite=Lax', 'Path=/']) assert.ok(session.includes(attr), `${attr} in ${session}`)
  assert.doesNotMatch(session, /Domain=/i)
  assert.ok(lines.some((l) => l.startsWith('__Host-gatehouse_csrf=') && l.includes('Secure')))
  assert.equal((await b.get('/account')).statusCode, 200, 'the __Host- cookie signs the browser in')
})
