import type { BackoffRule, RateLimiter, RateRule } from '../rate-limit/limiter.js'
import { type Change, type ChangeBus, isChange } from '../store/changes.js'

/** One end of a message pipe: a cluster worker's `process`, or the primary's handle on one worker. */
export interface Channel {
  send(msg: unknown): void
  on(fn: (msg: unknown) => void): void
  connected(): boolean
}

type LimitOp =
  | { op: 'consume'; key: string; rule: RateRule; now: number }
  | { op: 'check' | 'fail'; key: string; rule: BackoffRule; now: number }
  | { op: 'reset'; key: string; rule: BackoffRule }
  | { op: 'reserve'; key: string; ttl: number }
  | { op: 'release'; key: string; holder: string }

type Msg = { gh: 'limit'; id: number; call: LimitOp } | { gh: 'limit-reply'; id: number; ok: boolean; value?: unknown } | { gh: 'change'; change: Change }

const isMsg = (m: unknown): m is Msg => typeof m === 'object' && m !== null && typeof (m as { gh?: unknown }).gh === 'string'

/** Pending calls a worker may have in flight; past this it limits alone (a bounded queue). */
const MAX_PENDING = 10_000
const TIMEOUT_MS = 1_000

/**
 * A worker's limiter that asks the primary, so all workers on one machine share one budget
 * without Redis. A call the primary does not answer within a second fails, and the fallback
 * limiter (createFallbackLimiter) enforces the limit in this worker alone meanwhile.
 */
export function ipcLimiter(ch: Channel): RateLimiter {
  let next = 0
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>()
  ch.on((m) => {
    if (!isMsg(m) || m.gh !== 'limit-reply') return
    const p = pending.get(m.id)
    if (!p) return
    pending.delete(m.id)
    clearTimeout(p.timer)
    if (m.ok) p.resolve(m.value)
    else p.reject(new Error('primary limiter failed'))
  })
  const call = <T>(c: LimitOp): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (!ch.connected() || pending.size >= MAX_PENDING) return reject(new Error('primary unavailable'))
      const id = ++next
      const timer = setTimeout(() => {
        pending.delete(id)
        reject(new Error('primary limiter timed out'))
      }, TIMEOUT_MS)
      timer.unref()
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer })
      ch.send({ gh: 'limit', id, call: c } satisfies Msg)
    })
  return {
    consume: (key, rule, now) => call({ op: 'consume', key, rule, now: now.getTime() }),
    check: (key, rule, now) => call({ op: 'check', key, rule, now: now.getTime() }),
    fail: (key, rule, now) => call({ op: 'fail', key, rule, now: now.getTime() }),
    reset: (key, rule) => call({ op: 'reset', key, rule }),
    reserve: (key, ttl) => call({ op: 'reserve', key, ttl }),
    release: (key, holder) => call({ op: 'release', key, holder }),
    close: async () => {
      for (const p of pending.values()) clearTimeout(p.timer)
      pending.clear()
    },
  }
}

/** A worker's change bus: through the primary to every worker, this one included. */
export function ipcChangeBus(ch: Channel): ChangeBus {
  const subscribers = new Set<(c: Change) => void>()
  ch.on((m) => {
    if (isMsg(m) && m.gh === 'change' && isChange(m.change)) for (const fn of subscribers) fn(m.change)
  })
  return {
    publish(change) {
      if (ch.connected()) ch.send({ gh: 'change', change } satisfies Msg)
    },
    subscribe(fn) {
      subscribers.add(fn)
      return () => subscribers.delete(fn)
    },
    live: () => ch.connected(),
    close: async () => subscribers.clear(),
  }
}

/**
 * The primary's side: answers limiter calls from `limiter` (one memory limiter for the machine)
 * and relays changes to every worker. Input from a worker is checked before use.
 */
export function serveWorker(ch: Channel, limiter: RateLimiter, broadcast: (msg: unknown) => void): void {
  ch.on((m) => {
    if (!isMsg(m)) return
    if (m.gh === 'change') return isChange(m.change) ? broadcast({ gh: 'change', change: m.change }) : undefined
    if (m.gh !== 'limit' || typeof m.id !== 'number' || !validCall(m.call)) return
    run(limiter, m.call).then(
      (value) => ch.connected() && ch.send({ gh: 'limit-reply', id: m.id, ok: true, value } satisfies Msg),
      () => ch.connected() && ch.send({ gh: 'limit-reply', id: m.id, ok: false } satisfies Msg),
    )
  })
}

/** A worker is our own code, but a malformed message must not take the primary down. */
function validCall(c: unknown): c is LimitOp {
  if (typeof c !== 'object' || c === null) return false
  const { op, key } = c as Record<string, unknown>
  return typeof op === 'string' && typeof key === 'string'
}

function run(l: RateLimiter, c: LimitOp): Promise<unknown> {
  switch (c.op) {
    case 'consume':
      return l.consume(c.key, c.rule, new Date(c.now))
    case 'check':
      return l.check(c.key, c.rule, new Date(c.now))
    case 'fail':
      return l.fail(c.key, c.rule, new Date(c.now))
    case 'reset':
      return l.reset(c.key, c.rule)
    case 'reserve':
      return l.reserve(c.key, c.ttl)
    case 'release':
      return l.release(c.key, c.holder)
    default:
      return Promise.reject(new Error('unknown limiter call'))
  }
}

/** Metrics for the API port's /metrics in a worker: the primary sums every worker's. */
export function askPrimaryForMetrics(ch: Channel): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!ch.connected()) return reject(new Error('primary unavailable'))
    const id = ++metricsRequests
    const timer = setTimeout(() => {
      pendingMetrics.delete(id) // a reply that never comes must not stay in the map
      reject(new Error('primary metrics timed out'))
    }, 5_000)
    timer.unref()
    pendingMetrics.set(id, (text) => {
      clearTimeout(timer)
      if (text === null) reject(new Error('primary metrics failed'))
      else resolve(text)
    })
    ch.send({ gh: 'metrics', id })
  })
}
let metricsRequests = 0
const pendingMetrics = new Map<number, (text: string | null) => void>()

/** Routes the primary's metrics answers (installed once per worker). */
export function listenForMetrics(ch: Channel): void {
  ch.on((m) => {
    const msg = m as { gh?: unknown; id?: unknown; text?: unknown }
    if (msg?.gh !== 'metrics-reply' || typeof msg.id !== 'number') return
    const done = pendingMetrics.get(msg.id)
    pendingMetrics.delete(msg.id)
    done?.(typeof msg.text === 'string' ? msg.text : null)
  })
}
