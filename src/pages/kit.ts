import { randomBytes } from 'node:crypto'
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify'
import type { Deps } from '../deps/types.js'
import { csrfFailed, DomainError, type ErrorCode, type FieldProblem } from '../errors.js'
import { statusOf } from '../http/http-errors.js'
import { type BrowserSession, findBrowserSession } from '../sessions/browser-session.js'
import { type CookieNames, cookieNames, readCookie, setCookie } from './cookies.js'
import { csrfMatches, csrfToken, sameOrigin } from './csrf.js'
import type { Frame } from './layout.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set on every /account request: who is signed in, and the token this request's forms carry. */
    page: PageState | null
  }
}

export interface PageState {
  browser: BrowserSession | null
  /** The session cookie's secret, when it belongs to a live session. */
  sessionSecret: string | undefined
  csrfSecret: string | undefined
  /** The token forms rendered for this request carry. */
  csrf: string
}

export const CSRF_COOKIE_SECONDS = 12 * 3600

/** What every page route needs: deps, the cookie names, and the request's state. */
export interface PageKit {
  deps: Deps
  names: CookieNames
  publicOrigin: string
}

export function pageKit(deps: Deps): PageKit {
  return { deps, names: cookieNames(deps.config.publicUrl), publicOrigin: new URL(deps.config.publicUrl).origin }
}

/**
 * onRequest of every page: finds the browser's session (a dead one's cookie is cleared) and
 * makes sure the browser holds a CSRF secret for the forms it is about to be shown.
 */
export function loadPageState(kit: PageKit) {
  return async function pageState(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const secret = readCookie(request, kit.names.session)
    const browser = secret ? await findBrowserSession(kit.deps, secret) : null
    if (secret && !browser) setCookie(reply, kit.names, kit.names.session, '', 0)
    let csrfSecret = readCookie(request, kit.names.csrf)
    if (csrfSecret?.length !== 43) {
      csrfSecret = randomBytes(32).toString('base64url')
      // A new secret cannot validate the form being posted now (its token came from no cookie).
      setCookie(reply, kit.names, kit.names.csrf, csrfSecret, CSRF_COOKIE_SECONDS)
      request.page = { browser, sessionSecret: browser ? secret : undefined, csrfSecret: undefined, csrf: csrfToken(browser ? (secret as string) : csrfSecret) }
      return
    }
    request.page = { browser, sessionSecret: browser ? secret : undefined, csrfSecret, csrf: csrfToken(browser ? (secret as string) : csrfSecret) }
  }
}

export function pageState(request: FastifyRequest): PageState {
  if (!request.page) throw new Error(`route ${request.routeOptions.url} is not a page`)
  return request.page
}

export const frameOf = (request: FastifyRequest): Frame => {
  const s = pageState(request)
  return { user: s.browser?.user ?? null, csrf: s.csrf }
}

/** preHandler of every state-changing form: same origin, and the CSRF token of a secret this browser holds. */
export function checkForm(kit: PageKit): preHandlerAsyncHookHandler {
  return async function csrfCheck(request) {
    const s = pageState(request)
    const token = (request.body as Record<string, unknown> | undefined)?.csrf_token ?? request.headers['x-csrf-token']
    // Signed in: only the session's token. The CSRF cookie's (from a form shown before sign-in)
    // is no longer enough, so a planted CSRF cookie never yields a token for the session.
    const secrets = s.sessionSecret ? [s.sessionSecret] : [s.csrfSecret]
    if (!sameOrigin(request, kit.publicOrigin) || !csrfMatches(token, secrets)) throw csrfFailed()
  }
}

/** A form field as text ('' when absent or not text: a repeated field is not a way around a check). */
export function text(request: FastifyRequest, name: string): string {
  const v = (request.body as Record<string, unknown> | undefined)?.[name]
  return typeof v === 'string' ? v : ''
}

/**
 * Where to go after signing in: only a path on this origin. An absolute URL, `//host`, a
 * backslash form (`/\host`, which browsers read as `//host`), or control characters fall back to
 * /account: no open redirect (RFC 9700 §4.11).
 */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 4096) return '/account'
  if (!value.startsWith('/') || /[\\\u0000-\u001f\u007f]/.test(value)) return '/account'
  const base = 'http://gatehouse.invalid'
  try {
    const url = new URL(value, base)
    const path = `${url.pathname}${url.search}${url.hash}`
    // The result is checked, not just the input: dot segments normalise `/.//evil.example` and
    // `/%2e%2e//evil.example` to `//evil.example`, which a browser reads as another host.
    return url.origin === base && !path.startsWith('//') && !path.startsWith('/\\') ? path : '/account'
  } catch {
    return '/account'
  }
}

/** A signed-in page: without a live session, to the sign-in page and back here after. */
export function requireSignedIn(): preHandlerAsyncHookHandler {
  return async function signedIn(request, reply) {
    if (pageState(request).browser) return
    const back = request.method === 'GET' ? safeReturnTo(request.url) : '/account'
    await reply.redirect(`/account/login?return_to=${encodeURIComponent(back)}`, 303)
  }
}

export function signedIn(request: FastifyRequest): BrowserSession {
  const b = pageState(request).browser
  if (!b) throw new Error(`route ${request.routeOptions.url} read the session without requireSignedIn`)
  return b
}

/** Field -> message, and a message for the form, from a service's error, in the API's words. */
export interface FormErrors {
  status: number
  fields: Record<string, string>
  form?: string
}

/**
 * Translates a DomainError for a form: field problems (422) go beside their fields; a code that
 * belongs to a field (`fieldOf`) beside it; anything else above the form. Not a DomainError: rethrown.
 */
export function formErrors(err: unknown, fieldOf: Partial<Record<ErrorCode, string>> = {}): FormErrors {
  if (!(err instanceof DomainError)) throw err
  const status = statusOf(err.code)
  if (err.code === 'invalid_fields') {
    const fields: Record<string, string> = {}
    const loose: string[] = []
    for (const p of err.info.problems ?? []) placeProblem(p, fields, loose)
    return loose.length ? { status, fields, form: loose.join(' ') } : { status, fields }
  }
  const name = fieldOf[err.code]
  return name ? { status, fields: { [name]: err.message } } : { status, fields: {}, form: err.message }
}

function placeProblem(p: FieldProblem, fields: Record<string, string>, loose: string[]): void {
  const name = p.loc[p.loc.length - 1]
  if (typeof name === 'string' && p.loc.length >= 2 && !fields[name]) fields[name] = p.msg
  else loose.push(p.msg)
}

/** Sends a page. */
export function sendPage(reply: FastifyReply, status: number, markup: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(markup)
}
