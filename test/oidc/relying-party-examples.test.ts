// The README's relying-party snippets, run as written (they are the files in examples/) against a
// Gatehouse on a real socket: openid-client's two steps, and Auth.js (@auth/core) with the README's
// provider config, its sign-in POST -> /authorize -> the sign-in and consent pages -> its callback
// -> its session. The person's browser is FetchBrowser (form posts with a cookie jar); Auth.js's
// app is called in-process with the Fetch Requests a browser would send it.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { type TestContext, test } from 'node:test'
import { Auth, type AuthConfig } from '@auth/core'
import { decode } from '@auth/core/jwt'
import type { OIDCConfig } from '@auth/core/providers'
import type { Profile } from '@auth/core/types'
import { authConfig } from '../../examples/relying-party-authjs.js'
import { discoverGatehouse, finishSignIn, startSignIn } from '../../examples/relying-party-openid-client.js'
import { registerUser } from '../helpers/fixtures.js'
import { registerClient } from '../helpers/oidc.js'
import { FetchBrowser, servedApp, signInAndAllow } from '../helpers/served.js'

const person = signInAndAllow

test('README, openid-client: discovery, the authorization URL with PKCE S256, state and nonce, then the callback: verified ID token and userinfo', async (t) => {
  const { app, deps, base } = await servedApp(t)
  const CALLBACK = 'https://rp.example.com/callback'
  const rp = await registerClient(app, deps, { name: 'Relying Party', redirect_uris: [CALLBACK] })
  const user = await registerUser(app, { username: 'carol', password: 'carol has a long passphrase', email: 'carol@example.com' })

  const config = await discoverGatehouse(new URL(base), rp.client_id, rp.client_secret!)
  const { url, pending } = await startSignIn(config, CALLBACK)
  assert.equal(`${url.origin}${url.pathname}`, `${base}/authorize`)
  assert.equal(url.searchParams.get('code_challenge_method'), 'S256')
  assert.equal(url.searchParams.get('state'), pending.state)
  assert.equal(url.searchParams.get('nonce'), pending.nonce)

  const browser = new FetchBrowser(base)
  const callback = await browser.followUntil(await browser.request(url.toString()), CALLBACK, person(browser, 'carol', 'carol has a long passphrase'))
  const { tokens, claims, userinfo } = await finishSignIn(config, new URL(callback), pending)
  assert.equal(claims.sub, user.id)
  assert.equal(claims.iss, base)
  assert.equal(claims.nonce, pending.nonce)
  assert.equal(claims.preferred_username, 'carol')
  assert.deepEqual(userinfo, { sub: user.id, preferred_username: 'carol', email: 'carol@example.com', email_verified: false })
  assert.equal(tokens.refresh_token, undefined, 'no offline_access asked for')

  // Control: a callback that does not carry the state it started with is refused.
  const other = await startSignIn(config, CALLBACK)
  await assert.rejects(finishSignIn(config, new URL(callback), other.pending))
})

const APP = 'https://app.example.com'

/** Auth.js's app at APP, called in-process, with the cookies a browser would keep for it. */
class AuthJsApp {
  readonly cookies = new Map<string, string>()
  constructor(
    readonly origin: string,
    readonly config: AuthConfig,
  ) {}

  async request(path: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const headers = new Headers()
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '))
    let body: string | undefined
    if (init.form) {
      headers.set('content-type', 'application/x-www-form-urlencoded')
      body = new URLSearchParams(init.form).toString()
    }
    const res = await Auth(new Request(new URL(path, this.origin), { method: init.method ?? (body ? 'POST' : 'GET'), headers, body }), this.config)
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';')
      const [name, value] = [pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1)]
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]!) < Date.now()))
      if (value === '' || expired) this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    return res
  }
}

/** Registers the app as a client, signs a person in through Auth.js, and returns what each step gave. */
async function authJsSignIn(t: TestContext, adapt: (config: AuthConfig) => AuthConfig = (c) => c) {
  const { app, deps, base } = await servedApp(t)
  const rp = await registerClient(app, deps, { name: 'Auth.js App', redirect_uris: [`${APP}/auth/callback/gatehouse`] })
  const user = await registerUser(app, { username: 'dana', password: 'dana has a long passphrase', email: 'dana@example.com' })
  const secret = randomBytes(32).toString('base64')
  const errors: unknown[] = []
  const config = adapt({
    ...authConfig({ GATEHOUSE_ISSUER: base, GATEHOUSE_CLIENT_ID: rp.client_id, GATEHOUSE_CLIENT_SECRET: rp.client_secret, AUTH_SECRET: secret }),
    logger: { error: (e) => errors.push(e), warn: () => {}, debug: () => {} },
  })
  const rpApp = new AuthJsApp(APP, config)

  // The sign-in button: Auth.js's own CSRF token, then a form POST to /auth/signin/gatehouse.
  const csrf = await rpApp.request('/auth/csrf')
  assert.equal(csrf.status, 200)
  const { csrfToken } = (await csrf.json()) as { csrfToken: string }
  const signIn = await rpApp.request('/auth/signin/gatehouse', { form: { csrfToken, callbackUrl: `${APP}/dashboard` } })
  assert.equal(signIn.status, 302, await signIn.clone().text())
  const authorize = new URL(signIn.headers.get('location')!)
  assert.equal(`${authorize.origin}${authorize.pathname}`, `${base}/authorize`, 'found by discovery')

  const browser = new FetchBrowser(base)
  const callback = new URL(
    await browser.followUntil(
      await browser.request(authorize.toString()),
      `${APP}/auth/callback/gatehouse`,
      person(browser, 'dana', 'dana has a long passphrase'),
    ),
  )
  const back = await rpApp.request(callback.toString())
  assert.equal(back.status, 302, await back.clone().text())
  assert.equal(back.headers.get('location'), `${APP}/dashboard`, 'back where the sign-in started, not to an error page')
  assert.deepEqual(errors, [])
  const session = await rpApp.request('/auth/session')
  assert.equal(session.status, 200)
  const { user: sessionUser } = (await session.json()) as { user: Record<string, unknown> }
  // The session's JWT, encrypted with AUTH_SECRET.
  const cookie = '__Secure-authjs.session-token'
  const jwt = await decode({ token: rpApp.cookies.get(cookie), secret, salt: cookie })
  return { base, rp, user, authorize: authorize.searchParams, callback: callback.searchParams, sessionUser, jwt }
}

test("README, Auth.js: the sign-in POST goes to /authorize with PKCE S256; after sign-in and consent, Auth.js's callback makes a session for the Gatehouse user", async (t) => {
  const { base, rp, user, authorize: q, callback, sessionUser, jwt } = await authJsSignIn(t)
  assert.equal(q.get('response_type'), 'code')
  assert.equal(q.get('client_id'), rp.client_id)
  assert.equal(q.get('redirect_uri'), `${APP}/auth/callback/gatehouse`)
  assert.equal(q.get('scope'), 'openid profile email')
  assert.equal(q.get('code_challenge_method'), 'S256')
  assert.match(q.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/)
  // Auth.js's default check is PKCE alone (no state, no nonce): PKCE is what binds the code to this browser.
  assert.equal(q.get('state'), null)
  assert.equal(q.get('nonce'), null)
  assert.ok(callback.get('code'))
  assert.equal(callback.get('iss'), base, 'RFC 9207, which Auth.js checks since discovery says so')

  assert.deepEqual(
    sessionUser,
    { name: 'dana', email: 'dana@example.com', id: user.id },
    "name from preferred_username, email from the email scope, id the ID token's sub (the README's callbacks)",
  )
  assert.equal(jwt?.gatehouseId, user.id)
})

test('README, Auth.js with the checks widened to PKCE, state and nonce: all three go to /authorize and are checked on the way back', async (t) => {
  const widened = (c: AuthConfig): AuthConfig => ({
    ...c,
    providers: c.providers.map((p) => ({ ...(p as OIDCConfig<Profile>), checks: ['pkce', 'state', 'nonce'] as OIDCConfig<Profile>['checks'] })),
  })
  const { user, authorize: q, callback, sessionUser, jwt } = await authJsSignIn(t, widened)
  assert.equal(q.get('code_challenge_method'), 'S256')
  assert.ok(q.get('state'))
  assert.ok(q.get('nonce'))
  assert.equal(callback.get('state'), q.get('state'), 'state comes back as sent')
  assert.equal(sessionUser.id, user.id)
  assert.equal(jwt?.gatehouseId, user.id)
})
