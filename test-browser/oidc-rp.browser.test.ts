// The whole OpenID Connect flow in a real browser: Debian's Chromium opens a tiny relying party (an
// app in this test, built on openid-client), which sends it to /authorize; the person signs in with
// password and TOTP code on Gatehouse's pages, allows the app on the consent page, and lands back
// signed in to the app, which shows who they are from the validated ID token.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { test } from 'node:test'
import * as oidc from 'openid-client'
import { totpCodeAt } from '../src/authn/factors/totp.js'
import { testClock } from '../test/helpers/build-app.js'
import { login, registerUser } from '../test/helpers/fixtures.js'
import { enrolTotp } from '../test/helpers/mfa.js'
import { registerClient } from '../test/helpers/oidc.js'
import { freePort, servedApp } from '../test/helpers/served.js'
import { assertAccessible, launch, screenshots } from './pages-kit.js'

const PASSWORD = 'a passphrase for the relying party test'

/** A relying party in forty lines: /login starts the flow, /callback finishes it, / shows who is signed in. */
async function relyingParty(t: import('node:test').TestContext, issuer: string, clientId: string, clientSecret: string) {
  const port = await freePort()
  const base = `http://localhost:${port}`
  const config = await oidc.discovery(new URL(issuer), clientId, clientSecret, undefined, { execute: [oidc.allowInsecureRequests] })
  const pending = new Map<string, { verifier: string; state: string; nonce: string }>()
  const sessions = new Map<string, { sub: string; username: string }>()
  const cookie = (req: IncomingMessage, name: string) => req.headers.cookie?.match(new RegExp(`${name}=([^;]+)`))?.[1]
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', base)
    if (url.pathname === '/login') {
      const id = randomBytes(16).toString('hex')
      const flow = { verifier: oidc.randomPKCECodeVerifier(), state: oidc.randomState(), nonce: oidc.randomNonce() }
      pending.set(id, flow)
      const to = oidc.buildAuthorizationUrl(config, {
        redirect_uri: `${base}/callback`,
        scope: 'openid profile',
        code_challenge: await oidc.calculatePKCECodeChallenge(flow.verifier),
        code_challenge_method: 'S256',
        state: flow.state,
        nonce: flow.nonce,
      })
      res.writeHead(302, { location: to.toString(), 'set-cookie': `rp_flow=${id}; HttpOnly; Path=/` }).end()
    } else if (url.pathname === '/callback') {
      const flow = pending.get(cookie(req, 'rp_flow') ?? '')
      if (!flow) return void res.writeHead(400).end('no flow')
      const tokens = await oidc.authorizationCodeGrant(config, url, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      })
      const claims = tokens.claims()!
      const sid = randomBytes(16).toString('hex')
      sessions.set(sid, { sub: claims.sub, username: String(claims.preferred_username) })
      res.writeHead(302, { location: '/', 'set-cookie': `rp_session=${sid}; HttpOnly; Path=/` }).end()
    } else {
      const who = sessions.get(cookie(req, 'rp_session') ?? '')
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      res.end(
        who
          ? `<!doctype html><title>RP</title><main><h1>Photo app</h1><p id="who">Signed in as ${who.username} (${who.sub})</p></main>`
          : '<!doctype html><title>RP</title><main><h1>Photo app</h1><a href="/login">Sign in with Gatehouse</a></main>',
      )
    }
  }
  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => res.writeHead(500).end(err.message))
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return { base }
}

test('browser: app -> /authorize -> sign-in with password and TOTP code -> consent -> back to the app, signed in', async (t) => {
  // Gatehouse's clock starts a minute back, so the sign-in's code is the next one after enrolment's.
  const clock = testClock(new Date(Date.now() - 60_000))
  const { app, deps, base } = await servedApp(t, {}, 'localhost', { clock })
  const user = await registerUser(app, { username: 'frida', password: PASSWORD })
  const { secret } = await enrolTotp(app, (await login(app, 'frida', PASSWORD)).access_token, clock, PASSWORD)
  clock.advance(60)
  // The client is registered for the RP's callback once the RP's port is known.
  const placeholder = await registerClient(app, deps, { name: 'Photo app', redirect_uris: ['http://localhost/callback'] })
  const rp = await relyingParty(t, base, placeholder.client_id, placeholder.client_secret!)
  await deps.store.updateClient(placeholder.client_id, { redirectUris: [`${rp.base}/callback`] }, new Date())

  const browser = await launch(t)
  const page = await browser.newPage()
  await page.goto(rp.base)
  await page.getByRole('link', { name: 'Sign in with Gatehouse' }).click()
  await page.waitForURL(/\/account\/login/)
  await page.getByLabel('Username').fill('frida')
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: 'Two-factor authentication' }).waitFor()
  await page.getByLabel('Authentication code').fill(totpCodeAt(secret, clock()))
  await page.getByRole('button', { name: 'Continue' }).first().click()
  await page.getByRole('heading', { name: 'Allow Photo app?' }).waitFor()
  assert.ok(page.url().startsWith(`${base}/authorize`), page.url())
  await assertAccessible(page, 'consent')
  await screenshots(page, 'consent')
  await page.getByRole('button', { name: 'Allow' }).click()
  await page.waitForURL(`${rp.base}/`)
  const who = await page.locator('#who').textContent()
  assert.equal(who, `Signed in as frida (${user.id})`)
  // The session shows in the person's session list, issued to the client.
  const sessions = await deps.store.listOpenSessions(user.id)
  assert.ok(
    sessions.some((s) => s.clientId === placeholder.client_id && s.amr.includes('otp')),
    'a session for the app, signed in with the code',
  )
})
