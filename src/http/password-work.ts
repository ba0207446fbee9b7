import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { finished } from 'node:stream'
import { clientGone, tooManyRequests } from '../errors.js'
import { addressKey } from '../lib/client-address.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** Aborts when the client goes away before its answer is sent (routes guarded by `passwordWork`). */
    abortSignal: AbortSignal | null
  }
}

// One hook per app (its counts are shared by every password route of the app).
const hooks = new WeakMap<object, ReturnType<typeof createHook>>()

/**
 * For routes that hash a password: at most `perAddress` such requests in flight from one client
 * address (IPv6 by /64), more get 429; and a signal that aborts when the client disconnects, so a
 * hash still queued for it is dropped instead of computed for nobody. A route whose requests only
 * sometimes hash a password passes `when`; the others are let through uncounted.
 */
export function passwordWork(deps: { config: { hashPerAddress: number; rateLimit: boolean } }, when?: (request: FastifyRequest) => boolean) {
  let hook = hooks.get(deps)
  if (!hook) {
    // RATE_LIMIT=off (benchmarks, tests) lifts the cap; dropping abandoned work stays.
    hook = createHook(deps.config.rateLimit ? deps.config.hashPerAddress : Number.POSITIVE_INFINITY)
    hooks.set(deps, hook)
  }
  if (!when) return hook
  const shared = hook
  return function passwordWorkWhen(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) {
    if (when(request)) shared(request, reply, done)
    else done()
  }
}

function createHook(perAddress: number) {
  const inFlight = new Map<string, number>()
  return function passwordWorkHook(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) {
    // The client may have gone while an earlier hook (the guard) awaited: count nothing, hash nothing.
    // (The socket, not the request: a request is destroyed as soon as its body has been read.)
    if (reply.raw.destroyed || request.raw.socket?.destroyed) return done(clientGone())
    const key = addressKey(request.ip ?? 'unknown')
    const n = inFlight.get(key) ?? 0
    if (n >= perAddress) return done(tooManyRequests(1))
    inFlight.set(key, n + 1)
    const controller = new AbortController()
    request.abortSignal = controller.signal
    // finished() calls back even for a response that has already closed, so every slot taken is given back.
    finished(reply.raw, () => {
      // It also calls back after a complete answer; only an unfinished one means the client left.
      if (!reply.raw.writableFinished) controller.abort()
      const left = (inFlight.get(key) ?? 1) - 1
      if (left <= 0) inFlight.delete(key)
      else inFlight.set(key, left)
    })
    done()
  }
}
