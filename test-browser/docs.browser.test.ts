// /docs in a real browser: Swagger UI's Authorize button runs the OAuth2 password flow against
// /token, and "Try it out" on /users/me then succeeds with the bearer token it obtained.
// Needs Debian's chromium (CI installs it: see .ci/run). Run: npm run test:browser
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { chromium, type Page } from 'playwright-core'
import { buildTestApp } from '../test/helpers/build-app.js'
import { PASSWORD, registerUser } from '../test/helpers/fixtures.js'
import { CHROMIUM, FLAGS } from './pages-kit.js'

/** Opens /docs and signs in through the Authorize dialog (the OAuth2 password flow against /token). */
async function authorize(page: Page, url: string, username: string): Promise<void> {
  await page.goto(url)
  await page
    .getByRole('button', { name: /Authorize/ })
    .first()
    .click()
  const dialog = page.locator('.modal-ux')
  await dialog.locator('#oauth_username').fill(username)
  await dialog.locator('#oauth_password').fill(PASSWORD)
  const tokenResponse = page.waitForResponse((r) => r.url().endsWith('/token'))
  await dialog.getByRole('button', { name: 'Apply given OAuth2 credentials' }).click()
  assert.equal((await tokenResponse).status(), 200)
  await dialog.locator('button', { hasText: 'Logout' }).waitFor() // shown once Swagger UI holds a token
  await dialog.getByRole('button', { name: 'Close', exact: true }).click()
}

// @see issue 13: the page showed Fastify's logo and loaded its spec from /docs/json.
test("Swagger UI is Gatehouse's and loads the spec from /openapi.json", async (t) => {
  const { app } = await buildTestApp(t)
  const base = await app.listen({ host: '127.0.0.1', port: 0 })
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS })
  t.after(() => browser.close())
  const page = await browser.newPage()
  const paths: string[] = []
  page.on('request', (r) => paths.push(new URL(r.url()).pathname))
  const spec = page.waitForResponse((r) => new URL(r.url()).pathname === '/openapi.json')
  await page.goto(`${base}/docs`)
  assert.equal((await spec).status(), 200)
  await page.locator('.info .title', { hasText: 'Gatehouse' }).waitFor()
  assert.equal(await page.title(), 'Gatehouse API')
  const logo = page.locator('.topbar-wrapper img')
  await logo.waitFor()
  assert.match((await logo.getAttribute('src')) ?? '', /^data:image\/svg\+xml;base64,/)
  assert.ok(!paths.includes('/docs/json'), paths.join(' '))
  const dir = join(import.meta.dirname, '..', 'bench', 'results')
  mkdirSync(dir, { recursive: true })
  await page.screenshot({ path: join(dir, 'docs-top.png'), fullPage: false })
})

test('Swagger UI: Authorize with the password flow, then GET /users/me', async (t) => {
  const { app } = await buildTestApp(t)
  await registerUser(app, { username: 'alice', email: 'alice@example.com' })
  const base = await app.listen({ host: '127.0.0.1', port: 0 })
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS })
  t.after(() => browser.close())
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } })
  await authorize(page, `${base}/docs`, 'alice')

  const op = page.locator('#operations-account-get_users_me')
  await op.locator('.opblock-summary').click()
  await op.getByRole('button', { name: 'Try it out' }).click()
  const meResponse = page.waitForResponse((r) => r.url().endsWith('/users/me'))
  await op.getByRole('button', { name: 'Execute' }).click()
  const res = await meResponse
  assert.equal(res.status(), 200)
  assert.equal(((await res.json()) as { username: string }).username, 'alice')
  await op.locator('.live-responses-table').waitFor()
  const dir = join(import.meta.dirname, '..', 'bench', 'results')
  mkdirSync(dir, { recursive: true })
  await page.screenshot({ path: join(dir, 'docs-users-me.png'), fullPage: false })
})

test('Swagger UI: an admin authorizes, and the admin section lists users through GET /admin/users', async (t) => {
  const { app, deps } = await buildTestApp(t)
  await registerUser(app, { username: 'alice', email: 'alice@example.com' })
  const root = await registerUser(app, { username: 'root', password: PASSWORD })
  await deps.store.updateUser(root.id, { roles: ['user', 'admin'] }, new Date())
  const base = await app.listen({ host: '127.0.0.1', port: 0 })
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS })
  t.after(() => browser.close())
  const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } })
  await authorize(page, `${base}/docs`, 'root')

  const op = page.locator('#operations-admin-adminListUsers, [id^="operations-admin-get_admin_users"]').first()
  await op.locator('.opblock-summary').click()
  await op.getByRole('button', { name: 'Try it out' }).click()
  const listResponse = page.waitForResponse((r) => r.url().includes('/admin/users'))
  await op.getByRole('button', { name: 'Execute' }).click()
  const res = await listResponse
  assert.equal(res.status(), 200)
  const body = (await res.json()) as { users: { username: string }[] }
  assert.deepEqual(
    body.users.map((u) => u.username),
    ['alice', 'root'],
  )
  await op.locator('.live-responses-table').waitFor()
  await op.scrollIntoViewIfNeeded()
  const dir = join(import.meta.dirname, '..', 'bench', 'results')
  mkdirSync(dir, { recursive: true })
  await page.screenshot({ path: join(dir, 'docs-admin-users.png'), fullPage: false })
})
