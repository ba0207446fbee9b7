// Shared by the account-page browser tests: Debian's Chromium, a Gatehouse on a localhost port
// (WebAuthn refuses an IP address as RP ID), axe-core, screenshots.
import assert from 'node:assert/strict'
import { readFileSync, mkdirSync } from 'node:fs'
import { createServer } from 'node:net'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { type Browser, chromium, type Page } from 'playwright-core'
import { buildTestApp, type TestClock } from '../test/helpers/build-app.js'

export const CHROMIUM = '/usr/bin/chromium'
export const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
export const SHOTS = join(import.meta.dirname, '..', 'bench', 'results', 'pages')

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

/** Gatehouse on http://localhost:<port>, its PUBLIC_URL and passkey relying party set to that origin. */
export async function serveGatehouse(t: TestContext, env: Record<string, string> = {}, opts: { clock?: TestClock } = {}) {
  const port = await freePort()
  const base = `http://localhost:${port}`
  const { app, deps } = await buildTestApp(t, { PUBLIC_URL: base, WEBAUTHN_RP_ID: 'localhost', WEBAUTHN_ORIGINS: base, ...env }, opts)
  await app.listen({ host: '127.0.0.1', port })
  return { app, deps, base }
}

export async function launch(t: TestContext): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS })
  t.after(() => browser.close())
  return browser
}

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

/**
 * axe-core on the page as it is: no serious or critical violations. Injected through the DevTools
 * protocol (evaluate), so the page's CSP, which allows no inline script, stays as it is.
 */
export async function assertAccessible(page: Page, what: string): Promise<void> {
  await page.evaluate(AXE)
  const result = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] })`)) as {
    violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[]
  }
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  assert.deepEqual(
    bad.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
    [],
    `${what}: accessibility violations`,
  )
}

/** A full-page screenshot at 1280 px and at 360 px (a phone), and nothing wider than the viewport at 360. */
export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true })
  const original = page.viewportSize()
  await page.setViewportSize({ width: 1280, height: 900 })
  await page.screenshot({ path: join(SHOTS, `${name}-1280.png`), fullPage: true })
  await page.setViewportSize({ width: 360, height: 740 })
  const overflow = (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number
  assert.ok(overflow <= 0, `${name}: ${overflow} px wider than a 360 px phone`)
  await page.screenshot({ path: join(SHOTS, `${name}-360.png`), fullPage: true })
  if (original) await page.setViewportSize(original)
}
