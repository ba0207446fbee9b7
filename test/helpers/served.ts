import { createServer } from 'node:net'
import type { TestContext } from 'node:test'
import { buildTestApp, type TestClock } from './build-app.js'
import { consentFields, decodeEntities } from './oidc.js'

/** A port nothing listens on now (the kernel's choice). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
}

/**
 * Gatehouse on a real socket, with ISSUER and PUBLIC_URL its own address, so that what a relying
 * party reads from discovery, the tokens' `iss` and the pages' origin all agree.
 */
export async function servedApp(t: TestContext, env: Record<string, string> = {}, host = '127.0.0.1', opts: { clock?: TestClock } = {}) {
  const port = await freePort()
  const base = `http://${host}:${port}`
  const built = await buildTestApp(t, { ISSUER: base, PUBLIC_URL: base, ...env }, opts)
  await built.app.listen({ host: '127.0.0.1', port })
  return { ...built, base, port }
}

/**
 * A browser without JavaScript over real HTTP: a cookie jar, form posts with the Origin a browser
 * sends, and the CSRF token of the last page. Redirects are followed by the caller (`until`).
 */
export class FetchBrowser {
  readonly cookies = new Map<string, string>()
  lastPage = ''

  constructor(readonly origin: string) {}

  get csrf(): string {
    return this.lastPage.match(/name="csrf_token" value="([^"]+)"/)?.[1] ?? ''
  }

  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = {}
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    let body: string | undefined
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded'
      headers.origin = this.origin
      body = new URLSearchParams(init.form).toString()
    }
    const res = await fetch(new URL(url, this.origin), { method: init.method ?? (init.form ? 'POST' : 'GET'), headers, body, redirect: 'manual' })
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';')
      const [name, value] = [pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1)]
      if (value === '' || attrs.some((a) => a.trim().toLowerCase() === 'max-age=0')) this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    if (res.headers.get('content-type')?.startsWith('text/html')) this.lastPage = await res.clone().text()
    return res
  }

  /**
   * Follows redirects from `res` (GETs, as a browser after 302/303) until one leaves for a URL
   * starting with `until`: returns that URL. Pages on the way are answered by `onPage`.
   */
  async followUntil(res: Response, until: string, onPage: (url: string, html: string) => Promise<Response>): Promise<string> {
    let current = res
    for (let hop = 0; hop < 20; hop++) {
      const location = current.headers.get('location')
      if (location) {
        const next = new URL(location, this.origin).toString()
        if (next.startsWith(until)) return next
        current = await this.request(next)
        continue
      }
      if (current.status !== 200) throw new Error(`stopped at ${current.status}: ${(await current.text()).slice(0, 300)}`)
      current = await onPage(current.url, this.lastPage)
    }
    throw new Error('too many hops')
  }
}

/**
 * A person at the pages a relying party sends them to: the sign-in form (with this password),
 * then the consent page (Allow). For `FetchBrowser.followUntil`.
 */
export const signInAndAllow = (browser: FetchBrowser, username: string, password: string) => async (_url: string, html: string) => {
  if (html.includes('action="/account/login"')) {
    const returnTo = decodeEntities(html.match(/name="return_to" value="([^"]*)"/)?.[1] ?? '')
    return browser.request('/account/login', { form: { username, password, csrf_token: browser.csrf, return_to: returnTo } })
  }
  if (html.includes('action="/authorize/consent"')) return browser.request('/authorize/consent', { form: { ...consentFields(html), decision: 'allow' } })
  throw new Error(`unexpected page: ${html.slice(0, 300)}`)
}
