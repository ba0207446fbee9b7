// The OpenID Connect provider under load: whole code flows (a signed-in browser's GET /authorize
// -> 303 with a code -> POST /token with the PKCE verifier), client_credentials grants,
// introspection of one access token, and /userinfo against GET / of the same server.
import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { alternate, type Row, runAutocannon, runLoad } from './clients.js'

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const REDIRECT = 'https://app.example.com/callback'
const SCOPE = 'openid profile email'
/** Browsers signed in at once (one person each); the flows take them in turn. */
const BROWSERS = 8
/** Connections for the code flows: 2 per person, well under the 20 live codes a person may hold. */
const FLOW_CONNECTIONS = 16

interface Registered {
  client_id: string
  client_secret: string
}

export interface OidcResults {
  rows: Row[]
  /** Whole flows per second (the row's rps), latency of a whole flow. */
  flows: Row
  clientCredentials: Row
  /** A person's access token (from a code flow), and a client_credentials one. */
  introspectUser: Row
  introspectClient: Row
  root: Row
  userinfo: Row
}

const basic = (c: Registered) => `Basic ${Buffer.from(`${encodeURIComponent(c.client_id)}:${encodeURIComponent(c.client_secret)}`).toString('base64')}`

const pkce = () => {
  const verifier = randomBytes(32).toString('base64url')
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') }
}

const authorizePath = (clientId: string, challenge: string, state: string) =>
  `/authorize?${new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT,
    scope: SCOPE,
    state,
    nonce: randomBytes(8).toString('base64url'),
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString()}`

const decodeEntities = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#96;/g, '`')
    .replace(/&amp;/g, '&')

/** A browser without JavaScript: keeps its cookies, sends the Origin a browser sends on a form post. */
class Browser {
  readonly jar = new Map<string, string>()
  constructor(readonly base: string) {}

  get cookie(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  async send(method: 'GET' | 'POST', path: string, fields?: Record<string, string>): Promise<Response> {
    const headers: Record<string, string> = this.jar.size > 0 ? { cookie: this.cookie } : {}
    if (fields) Object.assign(headers, FORM, { origin: this.base })
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers,
      redirect: 'manual',
      ...(fields ? { body: new URLSearchParams(fields).toString() } : {}),
    })
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';')
      const eq = pair!.indexOf('=')
      const [name, value] = [pair!.slice(0, eq), pair!.slice(eq + 1)]
      if (value === '' || /max-age=0/i.test(c)) this.jar.delete(name)
      else this.jar.set(name, value)
    }
    return res
  }
}

/** The code on a 303 to the client's redirect URI, or what went wrong. */
function codeOf(res: Response): string {
  const to = res.headers.get('location')
  const code = res.status === 303 && to?.startsWith(`${REDIRECT}?`) ? new URL(to).searchParams.get('code') : null
  if (!code) throw new Error(`/authorize: expected a 303 with a code, got ${res.status} ${to ?? ''}`)
  return code
}

/**
 * Registers the two clients with the operator's CLI (`gatehouse clients create`, on the server's
 * database): a confidential web app for the code flow, not first-party (so each person consents
 * once, and every /authorize then reads that consent), and a confidential service for
 * client_credentials, which is also the resource server that introspects.
 */
async function createClients(root: string, cwd: string, env: Record<string, string>): Promise<{ app: Registered; service: Registered }> {
  const cli = async (...args: string[]) => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(root, 'dist', 'main.js'), 'clients', 'create', ...args, '--json'], { cwd, env })
    return JSON.parse(stdout) as Registered
  }
  const app = await cli('Bench web app', '--confidential', '--redirect-uri', REDIRECT, '--grant', 'authorization_code', '--grant', 'refresh_token')
  const service = await cli('Bench service', '--confidential', '--grant', 'client_credentials')
  return { app, service }
}

/** A person with an account, a browser signed in on the pages, and their consent to `app` given on the consent page. */
async function signedInBrowser(
  base: string,
  app: Registered,
  username: string,
  password: string,
): Promise<{ browser: Browser; code: string; verifier: string }> {
  const registered = await fetch(`${base}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  })
  if (registered.status !== 201) throw new Error(`/register: ${registered.status} ${await registered.text()}`)
  const browser = new Browser(base)
  const page = await (await browser.send('GET', '/account/login')).text()
  const csrf = /name="csrf_token" value="([^"]+)"/.exec(page)?.[1]
  if (!csrf) throw new Error('no CSRF token on /account/login')
  const signIn = await browser.send('POST', '/account/login', { csrf_token: csrf, username, password })
  if (signIn.status !== 303) throw new Error(`page sign-in: ${signIn.status}`)
  const p = pkce()
  const consent = await browser.send('GET', authorizePath(app.client_id, p.challenge, 'setup'))
  const body = await consent.text()
  if (consent.status !== 200 || !body.includes('value="allow"')) throw new Error(`/authorize: expected the consent page, got ${consent.status}`)
  const form = body.slice(body.indexOf('action="/authorize/consent"'))
  const fields: Record<string, string> = {}
  for (const m of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]!] = decodeEntities(m[2]!)
  const allowed = await browser.send('POST', '/authorize/consent', { ...fields, decision: 'allow' })
  return { browser, code: codeOf(allowed), verifier: p.verifier }
}

async function post(base: string, path: string, client: Registered, fields: Record<string, string>): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { ...FORM, authorization: basic(client) },
    body: new URLSearchParams(fields).toString(),
  })
  const json = (await res.json()) as Record<string, unknown>
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`)
  return json
}

/**
 * The code flow under load: each iteration is one browser's GET /authorize with a new PKCE S256
 * challenge (its cookie, the consent already given: a 303 with a code), then POST /token with
 * that code and its verifier (client_secret_basic). A flow counts once its token response is a
 * 200; its latency runs from the first request's start to the second's answer.
 */
async function benchFlows(base: string, app: Registered, browsers: Browser[], seconds: number): Promise<Row> {
  const latencies: number[] = []
  let failed = 0
  let turn = 0
  type Ctx = { verifier?: string; code?: string; start?: number }
  const tokenHeaders = { ...FORM, authorization: basic(app) }
  const row = await runAutocannon('code flow', {
    url: base,
    connections: FLOW_CONNECTIONS,
    seconds,
    requests: [
      {
        method: 'GET',
        setupRequest: (req, context) => {
          const ctx = context as Ctx
          const p = pkce()
          ctx.verifier = p.verifier
          ctx.start = performance.now()
          const browser = browsers[turn++ % browsers.length]!
          return { ...req, path: authorizePath(app.client_id, p.challenge, `s${turn}`), headers: { cookie: browser.cookie } }
        },
        onResponse: (status, _body, context, headers) => {
          const ctx = context as Ctx
          const location = Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === 'location')?.[1]
          const code = status === 303 && typeof location === 'string' ? new URL(location).searchParams.get('code') : null
          if (code) ctx.code = code
          else failed++
        },
      },
      {
        method: 'POST',
        path: '/token',
        // No code (the authorize step failed): autocannon starts the next flow instead.
        setupRequest: (req, context) => {
          const ctx = context as Ctx
          if (!ctx.code || !ctx.verifier) return null as unknown as typeof req
          const body = new URLSearchParams({ grant_type: 'authorization_code', code: ctx.code, redirect_uri: REDIRECT, code_verifier: ctx.verifier })
          return { ...req, headers: tokenHeaders, body: body.toString() }
        },
        onResponse: (status, _body, context) => {
          const ctx = context as Ctx
          if (status === 200 && ctx.start !== undefined) latencies.push((performance.now() - ctx.start) * 1000)
          else failed++
        },
      },
    ],
  })
  latencies.sort((a, b) => a - b)
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))] ?? 0
  return {
    name: 'code flow (/authorize 303 → /token, PKCE)',
    client: 'autocannon',
    rps: latencies.length / seconds,
    p50us: at(0.5),
    p99us: at(0.99),
    errors: row.errors,
    non2xx: failed,
  }
}

/**
 * Sets up the clients and the people, then measures. `root` and `cwd`: the checkout (for the CLI)
 * and the server's working directory; `env`: the server's environment (its database).
 */
export async function benchOidc(
  base: string,
  seconds: number,
  password: string,
  server: { root: string; cwd: string; env: Record<string, string> },
): Promise<OidcResults> {
  const { app, service } = await createClients(server.root, server.cwd, server.env)
  const people = []
  for (let i = 0; i < BROWSERS; i++) people.push(await signedInBrowser(base, app, `oidc-bench-${i}`, password))
  // The first person's setup code, exchanged: the access token that /userinfo and /introspect get.
  const first = people[0]!
  const tokens = await post(base, '/token', app, { grant_type: 'authorization_code', code: first.code, redirect_uri: REDIRECT, code_verifier: first.verifier })
  const userToken = tokens.access_token as string
  if (typeof tokens.id_token !== 'string') throw new Error('/token: no ID token for scope openid')
  const serviceToken = (await post(base, '/token', service, { grant_type: 'client_credentials' })).access_token as string
  for (const token of [userToken, serviceToken]) {
    const r = await post(base, '/introspect', service, { token })
    if (r.active !== true) throw new Error(`/introspect: ${JSON.stringify(r)}`)
  }
  const info = await fetch(`${base}/userinfo`, { headers: { authorization: `Bearer ${userToken}` } })
  if (info.status !== 200) throw new Error(`/userinfo: ${info.status} ${await info.text()}`)

  const flows = await benchFlows(
    base,
    app,
    people.map((p) => p.browser),
    seconds,
  )
  const serviceAuth = { ...FORM, authorization: basic(service) }
  const clientCredentials = await runLoad('POST /token (client_credentials grant)', {
    url: `${base}/token`,
    method: 'POST',
    headers: serviceAuth,
    body: 'grant_type=client_credentials',
    connections: 10,
    seconds,
  })
  const introspect = (name: string, token: string) =>
    runLoad(name, {
      url: `${base}/introspect`,
      method: 'POST',
      headers: serviceAuth,
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
      connections: 10,
      seconds,
    })
  const introspectUser = await introspect("POST /introspect (a person's access token)", userToken)
  const introspectClient = await introspect('POST /introspect (client_credentials token)', serviceToken)
  // GET / and /userinfo alternate, as GET / and /users/me do: the ratio holds within the run.
  const roundSeconds = Math.max(2, Math.round(seconds / 2))
  const [rootMean, userinfoMean] = await alternate(
    ['GET /', { url: `${base}/`, connections: 10, seconds: roundSeconds }],
    ['GET /userinfo', { url: `${base}/userinfo`, headers: { authorization: `Bearer ${userToken}` }, connections: 10, seconds: roundSeconds }],
  )
  const root = { ...rootMean, name: 'GET / (3 rounds, beside /userinfo)' }
  const userinfo = { ...userinfoMean, name: 'GET /userinfo (3 rounds, alternating)' }
  return {
    rows: [flows, clientCredentials, introspectUser, introspectClient, root, userinfo],
    flows,
    clientCredentials,
    introspectUser,
    introspectClient,
    root,
    userinfo,
  }
}
