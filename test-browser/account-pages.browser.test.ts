// The account pages in a real browser (Debian's Chromium): every flow end to end, with axe-core on
// each page and screenshots at 1280 and 360 px. Run: npm run test:browser
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import type { Page } from 'playwright-core'
import { totpCodeAt } from '../src/authn/factors/totp.js'
import { testClock } from '../test/helpers/build-app.js'
import { startSmtp, tokenIn } from '../test/helpers/smtp.js'
import { assertAccessible, launch, screenshots, serveGatehouse } from './pages-kit.js'

const PASSWORD = 'correct horse battery'
const NEW_PASSWORD = 'an even better passphrase'

async function signIn(page: Page, base: string, username: string, password: string): Promise<void> {
  await page.goto(`${base}/account/login`)
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
}

/** The link in a mail (its text part), as a person would click it. */
const linkIn = (decoded: string): string => {
  const m = /(https?:\/\/\S+token=[A-Za-z0-9_-]{43})/.exec(decoded)
  if (!m) throw new Error(`no link in:\n${decoded}`)
  return m[1] as string
}

// @see issue 14
test('pages in a browser: sign up, verify by the mailed link, sign in, enrol TOTP from the page, sign out and in with the code, then with a recovery code; reset the password by the mailed link', async (t) => {
  const smtp = await startSmtp(t)
  const clock = testClock(new Date())
  const { base } = await serveGatehouse(t, { SMTP_URL: smtp.url }, { clock })
  const browser = await launch(t)
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  page.on('pageerror', (err) => assert.fail(`script error on ${page.url()}: ${err.message}`))

  await page.goto(`${base}/account/register`)
  await assertAccessible(page, 'register')
  await screenshots(page, 'register')
  await page.getByLabel('Username').fill('alice')
  await page.getByLabel('Email (optional)').fill('alice@example.com')
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.waitForURL(/\/account\/login\?notice=created/)
  await page.getByText('Your account is ready').waitFor()
  await assertAccessible(page, 'login')
  await screenshots(page, 'login')

  const [verification] = await smtp.waitFor(1)
  await page.goto(linkIn(verification!.decoded))
  await page.getByRole('heading', { name: 'Email verified' }).waitFor()
  await assertAccessible(page, 'verify-email')
  await screenshots(page, 'verify-email')

  await signIn(page, base, 'alice', PASSWORD)
  await page.waitForURL(`${base}/account`)
  await page.getByText('verified', { exact: true }).waitFor()
  await assertAccessible(page, 'profile')
  await screenshots(page, 'profile')

  // TOTP from the page: the QR code and its key; the key read off the page as an app would scan it.
  await page.goto(`${base}/account/security`)
  await assertAccessible(page, 'security')
  await page.locator('#f-password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Set up two-factor authentication' }).click()
  await page.locator('figure.qr svg').waitFor()
  await assertAccessible(page, 'totp enrolment')
  await screenshots(page, 'totp-enrol')
  const secret = (await page.locator('[data-totp-secret]').textContent())?.trim() ?? ''
  assert.match(secret, /^[A-Z2-7]{16,}$/)
  await page.getByLabel('Code from the app').fill(totpCodeAt(secret, clock()))
  await page.getByRole('button', { name: 'Confirm' }).click()
  const codes = await page.locator('.codes code').allTextContents()
  assert.equal(codes.length, 10)
  await assertAccessible(page, 'recovery codes')
  await screenshots(page, 'recovery-codes')

  await page.getByRole('button', { name: 'Sign out' }).click()
  await page.getByText('You are signed out.').waitFor()
  clock.advance(60)
  await signIn(page, base, 'alice', PASSWORD)
  await page.getByRole('heading', { name: 'Two-factor authentication' }).waitFor()
  await assertAccessible(page, 'mfa step')
  await screenshots(page, 'mfa-step')
  await page.getByLabel('Authentication code').fill(totpCodeAt(secret, clock()))
  await page.getByRole('button', { name: 'Continue' }).first().click()
  await page.waitForURL(`${base}/account`)

  await page.getByRole('button', { name: 'Sign out' }).click()
  await signIn(page, base, 'alice', PASSWORD)
  await page.getByText('Use a recovery code instead').click()
  await page.getByLabel('Recovery code').fill(codes[0] as string)
  await page.getByRole('button', { name: 'Continue' }).last().click()
  await page.waitForURL(`${base}/account`)
  await page.getByRole('button', { name: 'Sign out' }).click()

  // Reset by the mailed link.
  await page.goto(`${base}/account/forgot-password`)
  await assertAccessible(page, 'forgot-password')
  await screenshots(page, 'forgot-password')
  await page.getByLabel('Email').fill('alice@example.com')
  await page.getByRole('button', { name: 'Send reset link' }).click()
  await page.getByText('a message with a reset link is on its way').waitFor()
  const mails = await smtp.waitFor(2)
  const reset = mails.find((m) => /reset/i.test(m.decoded) && m !== verification)
  assert.ok(reset, 'a reset message')
  assert.equal(tokenIn(reset).length, 43)
  await page.goto(linkIn(reset.decoded))
  await assertAccessible(page, 'reset-password')
  await screenshots(page, 'reset-password')
  await page.getByLabel('New password').fill(NEW_PASSWORD)
  await page.getByRole('button', { name: 'Set password' }).click()
  await page.getByText('Your password is set').waitFor()
  clock.advance(60)
  await signIn(page, base, 'alice', NEW_PASSWORD)
  await page.getByLabel('Authentication code').fill(totpCodeAt(secret, clock()))
  await page.getByRole('button', { name: 'Continue' }).first().click()
  await page.waitForURL(`${base}/account`)
})

test('pages in a browser: a session ended from another browser signs that browser out; a cross-site form post is refused and changes nothing', async (t) => {
  const { app, base } = await serveGatehouse(t)
  await app.inject({ method: 'POST', url: '/register', payload: { username: 'alice', password: PASSWORD } })
  const browser = await launch(t)
  const laptop = await browser.newContext()
  const phone = await browser.newContext({ viewport: { width: 360, height: 740 }, userAgent: 'Phone browser' })
  const a = await laptop.newPage()
  const b = await phone.newPage()
  await signIn(a, base, 'alice', PASSWORD)
  await a.waitForURL(`${base}/account`)
  await signIn(b, base, 'alice', PASSWORD)
  await b.waitForURL(`${base}/account`)

  await a.goto(`${base}/account/sessions`)
  await assertAccessible(a, 'sessions')
  await screenshots(a, 'sessions')
  const phoneCard = a.locator('.cards li', { hasText: 'Phone browser' })
  await phoneCard.getByRole('button', { name: /End session/ }).click()
  await a.getByText('The session has ended.').waitFor()
  await b.goto(`${base}/account`)
  await b.waitForURL(/\/account\/login\?return_to=/)

  // A page on another site (127.0.0.1 is another site than localhost) submits a form at the logout.
  const evilSite = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html')
    res.end(`<form method="post" action="${base}/account/logout"><input name="csrf_token" value="x"></form><script>document.forms[0].submit()</script>`)
  })
  await new Promise<void>((resolve) => evilSite.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => evilSite.close(() => resolve())))
  const evil = await laptop.newPage()
  const refused = evil.waitForResponse((r) => r.url() === `${base}/account/logout`)
  await evil.goto(`http://127.0.0.1:${(evilSite.address() as AddressInfo).port}/`)
  assert.equal((await refused).status(), 403)
  await a.goto(`${base}/account`)
  await a.getByText('Signed in as').waitFor() // still signed in
  await a.goto(`${base}/account/apps`)
  await assertAccessible(a, 'apps')
  await screenshots(a, 'apps')
})

test('pages in a browser: sign-in by keyboard alone (Tab through the fields to the button, Enter)', async (t) => {
  const { app, base } = await serveGatehouse(t)
  await app.inject({ method: 'POST', url: '/register', payload: { username: 'alice', password: PASSWORD } })
  const browser = await launch(t)
  const page = await browser.newPage()
  await page.goto(`${base}/account/login`)
  const focused = () => page.evaluate(`document.activeElement?.getAttribute('name') ?? document.activeElement?.textContent?.trim() ?? ''`)
  assert.equal(await focused(), 'username', 'the username field has focus on load')
  await page.keyboard.type('alice')
  await page.keyboard.press('Tab')
  assert.equal(await focused(), 'password')
  await page.keyboard.type(PASSWORD)
  await page.keyboard.press('Tab')
  assert.equal(await focused(), 'Sign in')
  await page.keyboard.press('Enter')
  await page.waitForURL(`${base}/account`)
})

test('passkeys in a browser (virtual authenticator: resident keys, user verification): add one on the security page, sign out, sign in with it and no username, rename and remove it', async (t) => {
  const { app, base } = await serveGatehouse(t)
  await app.inject({ method: 'POST', url: '/register', payload: { username: 'alice', password: PASSWORD } })
  const browser = await launch(t)
  const context = await browser.newContext()
  const page = await context.newPage()
  page.on('pageerror', (err) => assert.fail(`script error on ${page.url()}: ${err.message}`))
  const cdp = await context.newCDPSession(page)
  await cdp.send('WebAuthn.enable')
  const { authenticatorId } = (await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  })) as { authenticatorId: string }

  await signIn(page, base, 'alice', PASSWORD)
  await page.waitForURL(`${base}/account`)
  await page.goto(`${base}/account/security`)
  await page.getByText('No passkeys yet.').waitFor()
  await page.getByLabel('Name for a new passkey (optional)').fill('Laptop <b>key</b>')
  await page.getByRole('button', { name: 'Add a passkey' }).click()
  await page.waitForURL(/notice=passkey_added/)
  await page.locator('.cards strong', { hasText: 'Laptop <b>key</b>' }).waitFor() // the name is text, not markup
  const creds = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })) as { credentials: { isResidentCredential: boolean }[] }
  assert.equal(creds.credentials.length, 1)
  assert.equal(creds.credentials[0]?.isResidentCredential, true, 'a discoverable credential')
  await assertAccessible(page, 'security with a passkey')
  await screenshots(page, 'security-passkey')

  // The browser's passkey autofill in the username field (conditional UI): the virtual
  // authenticator, with presence simulated, answers it as soon as the sign-in page asks.
  await page.getByRole('button', { name: 'Sign out' }).click()
  await page.waitForURL(`${base}/account`)
  await page.getByText('Signed in as').waitFor()
  // The button. The page's autofill request would answer first, so the authenticator holds no
  // credential while the sign-in page loads (the autofill request finds none and waits); then the
  // credential is put back and the button asks.
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId })
  const withoutCredential = async (then: () => Promise<void>) => {
    await cdp.send('WebAuthn.clearCredentials', { authenticatorId })
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByText('You are signed out.').waitFor()
    await page.waitForTimeout(300)
    assert.match(page.url(), /\/account\/login/, 'the autofill request found no credential and waits')
    for (const credential of credentials) await cdp.send('WebAuthn.addCredential', { authenticatorId, credential })
    await then()
  }
  await withoutCredential(async () => {
    const button = page.getByRole('button', { name: 'Use a passkey' })
    await button.click()
    await page.waitForURL(`${base}/account`)
  })
  const sessions = await page.evaluate(`fetch('/account/sessions').then((r) => r.text())`)
  assert.match(String(sessions), /This browser/)

  await page.goto(`${base}/account/security`)
  const card = page.locator('.cards li', { hasText: 'Laptop' })
  await card.getByLabel('Name').fill('Work laptop')
  await card.getByRole('button', { name: 'Rename' }).click()
  await page.getByText('The passkey is renamed.').waitFor()
  await page.locator('.cards strong', { hasText: 'Work laptop' }).waitFor()
  await page.getByRole('button', { name: /Remove passkey Work laptop/ }).click()
  await page.getByText('The passkey is removed.').waitFor()
  await page.getByText('No passkeys yet.').waitFor()

  // Its credential is still on the authenticator, but Gatehouse no longer knows it.
  await withoutCredential(async () => {
    await page.getByRole('button', { name: 'Use a passkey' }).click()
    await page.getByText('Invalid passkey').waitFor()
  })
  assert.match(page.url(), /\/account\/login/)
})
