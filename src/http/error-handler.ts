import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { randomUUID } from 'node:crypto'
import type { Socket } from 'node:net'
import { clientGone, DomainError, type FieldProblem, methodNotAllowed, notFound, nulNotAllowed, serverBusy, storageUnavailable } from '../errors.js'
import { SecretBoxError } from '../crypto/secret-box.js'
import { HttpError, toHttp } from './http-errors.js'
import { AbandonedError, QueueFullError } from '../lib/semaphore.js'
import { StoreUnavailableError, UnrepresentableValueError } from '../store/changes.js'

interface AjvIssue {
  keyword: string
  instancePath: string
  message?: string
  params: Record<string, unknown>
}

/** pydantic's names and texts for the checks our schemas make, so 422 bodies read like FastAPI's. */
function toIssue(context: string, e: AjvIssue): FieldProblem {
  const path = e.instancePath
    .split('/')
    .filter(Boolean)
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p.replace(/~1/g, '/').replace(/~0/g, '~')))
  const loc: (string | number)[] = [context, ...path]
  const p = e.params
  switch (e.keyword) {
    case 'required':
      return { loc: [...loc, String(p.missingProperty)], msg: 'Field required', type: 'missing' }
    case 'type':
      return p.type === 'object'
        ? { loc, msg: 'Input should be a valid dictionary or object', type: 'model_attributes_type' }
        : { loc, msg: `Input should be a valid ${p.type === 'string' ? 'string' : String(p.type)}`, type: `${String(p.type)}_type` }
    case 'minLength':
      return { loc, msg: `String should have at least ${String(p.limit)} characters`, type: 'string_too_short' }
    case 'maxLength':
      return { loc, msg: `String should have at most ${String(p.limit)} characters`, type: 'string_too_long' }
    case 'pattern':
      return { loc, msg: `String should match pattern '${String(p.pattern)}'`, type: 'string_pattern_mismatch' }
    case 'format':
      return { loc, msg: `Input should be a valid ${String(p.format)}`, type: 'value_error' }
    case 'additionalProperties':
      return { loc: [...loc, String(p.additionalProperty)], msg: 'Extra inputs are not permitted', type: 'extra_forbidden' }
    default:
      return { loc, msg: e.message ?? 'Invalid value', type: 'value_error' }
  }
}

/**
 * The one place that decides what a client sees when something fails:
 * (1) a DomainError or HttpError → its status, headers and body (http-errors.ts); (2) schema validation → FastAPI's 422 list;
 * (3) Fastify's own 4xx (413, 415, bad JSON) → `{"detail": message}`; (4) anything else → logged,
 * 500 with its text hidden.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((raw: FastifyError, request, reply) => {
    if (raw instanceof SecretBoxError) {
      // A stored secret (a TOTP secret, a private key) does not open: ENCRYPTION_KEY lost or the
      // row altered. The operator must act; the client can only retry later. Never a 500.
      request.log.error({ reqId: request.id, reason: raw.message }, 'a secret at rest cannot be opened: check ENCRYPTION_KEY / ENCRYPTION_KEY_PREVIOUS')
      const e = toHttp(storageUnavailable())
      return reply
        .code(e.status)
        .headers(e.opts.headers ?? {})
        .send(e.body())
    }
    // Lower layers raise domain errors; this is where they become HTTP (a full hash queue is 503).
    const err = fromDomain(raw)
    if (err instanceof HttpError) {
      if (err.opts.headers) reply.headers(err.opts.headers)
      return reply.code(err.status).send(err.body())
    }
    if (err.validation) {
      const context = err.validationContext ?? 'body'
      return reply.code(422).send({ detail: (err.validation as AjvIssue[]).map((e) => toIssue(context, e)) })
    }
    const status = err.statusCode ?? 500
    if (status >= 400 && status < 500) {
      return reply.code(status).send({ detail: err.message })
    }
    request.log.error({ err, reqId: request.id }, 'unhandled error')
    return reply.code(500).send({ detail: 'Internal Server Error' })
  })
  // FastAPI answers a known path with the wrong method 405 + Allow; so do we, for static paths.
  // The methods of each static path are collected as routes are added: the raw request path is
  // never handed to the router as a pattern (it read "/*x" as a misplaced wildcard and threw: a 500).
  const staticRoutes = new Map<string, Set<string>>()
  app.addHook('onRoute', (route) => {
    if (/[:*]/.test(route.url)) return
    const methods = staticRoutes.get(route.url) ?? new Set<string>()
    for (const m of [route.method].flat()) methods.add(m)
    staticRoutes.set(route.url, methods)
  })
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!
    const known = staticRoutes.get(path)
    const allowed = known ? METHODS.filter((m) => known.has(m)) : []
    const e = toHttp(allowed.length > 0 ? methodNotAllowed() : notFound())
    if (allowed.length > 0) reply.header('allow', allowed.join(', '))
    return reply.code(e.status).send(e.body())
  })
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const

function fromDomain(err: FastifyError): FastifyError | HttpError {
  if (err instanceof DomainError) return toHttp(err)
  if (err instanceof QueueFullError) return toHttp(serverBusy())
  if (err instanceof AbandonedError) return toHttp(clientGone())
  if (err instanceof StoreUnavailableError) return toHttp(storageUnavailable())
  if (err instanceof UnrepresentableValueError) return toHttp(nulNotAllowed())
  return err
}

/**
 * Errors Node's HTTP parser raises before Fastify sees a request (a malformed request line, a
 * header block over the limit, a body that never finishes): the contract's `{"detail"}` body and
 * an x-request-id, like every other answer, then the connection is closed.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const [status, text, detail] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Request Timeout', 'Request timed out']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'Request headers too large']
        : [400, 'Bad Request', 'Malformed request']
  const body = JSON.stringify({ detail })
  // As Node's own handler: never write into a socket whose current answer has started.
  const sending = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true
  if (socket.writable && !sending) {
    socket.write(
      `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nx-request-id: ${randomUUID()}\r\nConnection: close\r\n\r\n${body}`,
    )
  }
  socket.destroy()
}

/** Errors Fastify raises before routing (a malformed URL): the same `{"detail"}` body as the rest. */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-request-id', request.id)
  void reply.code(err.statusCode && err.statusCode < 500 ? err.statusCode : 400).send({ detail: 'Bad Request: malformed URL' })
}
