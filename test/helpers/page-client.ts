import type { FastifyInstance, LightMyRequestResponse } from 'fastify'

/** The default PUBLIC_URL of the test config: what a browser on the page would send as Origin. */
export const PAGE_ORIGIN = 'http://127.0.0.1:8000'

/**
 * A browser without JavaScript over `app.inject`: it keeps cookies, posts forms as
 * application/x-www-form-urlencoded with the Origin a browser sends, and fills in the CSRF token
 * from the page it last loaded (as the hidden field in the form would).
 */
export class PageClient {
  readonly cookies = new Map<string, string>()
  last: LightMyRequestResponse | null = null

  constructor(
    readonly app: FastifyInstance,
    readonly opts: { origin?: string | null; remoteAddress?: string } = {},
  ) {}

  get csrf(): string {
    const m = this.last?.body.match(/name="csrf_token" value="([^"]+)"/)
    return m?.[1] ?? ''
  }

  async get(url: string): Promise<LightMyRequestResponse> {
    return this.send('GET', url)
  }

  /** Posts a form; `csrf_token` is the last page's unless the fields give one (or `null`: none). */
  async post(url: string, fields: Record<string, string | null>, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const body = new URLSearchParams()
    const withToken = { csrf_token: this.csrf, ...fields }
    for (const [k, v] of Object.entries(withToken)) if (v !== null) body.set(k, v)
    return this.send('POST', url, body.toString(), { 'content-type': 'application/x-www-form-urlencoded', ...headers })
  }

  async postJson(url: string, payload: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    return this.send('POST', url, JSON.stringify(payload), { 'content-type': 'application/json', 'x-csrf-token': this.csrf, ...headers })
  }

  private async send(method: 'GET' | 'POST', url: string, payload?: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    const origin = this.opts.origin === undefined ? PAGE_ORIGIN : this.opts.origin
    const all: Record<string, string> = { ...(cookie ? { cookie } : {}), ...(method === 'POST' && origin !== null ? { origin } : {}), ...headers }
    if (all.origin === '') delete all.origin // a request without Origin
    const res = await this.app.inject({
      method,
      url,
      ...(payload !== undefined ? { payload } : {}),
      ...(this.opts.remoteAddress ? { remoteAddress: this.opts.remoteAddress } : {}),
      headers: all,
    })
    for (const c of res.cookies as { name: string; value: string; maxAge?: number }[]) {
      if (c.value === '' || c.maxAge === 0) this.cookies.delete(c.name)
      else this.cookies.set(c.name, c.value)
    }
    // A page keeps its token for the next form; a redirect or an asset does not replace it.
    if (res.headers['content-type']?.toString().startsWith('text/html')) this.last = res
    return res
  }

  /** Follows a 303 like a browser (a GET of Location). */
  async follow(res: LightMyRequestResponse): Promise<LightMyRequestResponse> {
    const to = res.headers.location
    if (res.statusCode !== 303 || typeof to !== 'string') throw new Error(`expected a 303, got ${res.statusCode}: ${res.body.slice(0, 200)}`)
    return this.get(to)
  }

  /** Signs in on the page with a password (no MFA): the 303 and the page it leads to. */
  async signIn(username: string, password: string, returnTo?: string): Promise<LightMyRequestResponse> {
    await this.get(`/account/login${returnTo ? `?return_to=${encodeURIComponent(returnTo)}` : ''}`)
    return this.post('/account/login', { username, password, ...(returnTo ? { return_to: returnTo } : {}) })
  }
}
