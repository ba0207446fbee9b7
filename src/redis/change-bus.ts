import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { Change, ChangeBus } from '../store/changes.js'

/** How often each instance publishes a heartbeat, and how old the last one heard may be. */
const BEAT_MS = 200
const STALE_MS = 800

/**
 * Cross-instance invalidation over Redis pub/sub. Delivery is only trusted while this instance
 * keeps hearing its own heartbeat on the channel: a dropped or silently stalled connection makes
 * `live()` false within STALE_MS, so caches stop being trusted (the database is read instead) and
 * are dropped whole when delivery resumes, because messages sent meanwhile are lost.
 */
export function redisChangeBus(publisher: Redis, subscriber: Redis, channel: string): ChangeBus {
  const me = randomUUID()
  const subscribers = new Set<(c: Change) => void>()
  let lastBeat = Number.NEGATIVE_INFINITY
  let gap = true
  const emit = (c: Change) => {
    for (const fn of subscribers) fn(c)
  }
  const heard = () => {
    const t = performance.now()
    if (gap || t - lastBeat >= STALE_MS) emit({ kind: 'all' })
    gap = false
    lastBeat = t
  }
  subscriber.on('message', (ch: string, text: string) => {
    if (ch !== channel) return
    let msg: { from?: string; change?: Change }
    try {
      msg = JSON.parse(text)
    } catch {
      return
    }
    if (msg.from === me) heard()
    if (msg.change && isChange(msg.change)) emit(msg.change)
  })
  subscriber.on('close', () => {
    gap = true
  })
  void subscriber.subscribe(channel).catch(() => {})
  const send = (payload: object) => {
    if (publisher.status !== 'ready') return
    publisher.publish(channel, JSON.stringify(payload)).catch(() => {})
  }
  const timer = setInterval(() => send({ from: me }), BEAT_MS)
  timer.unref()
  send({ from: me })
  return {
    publish(change) {
      send({ change })
    },
    subscribe(fn) {
      subscribers.add(fn)
      return () => subscribers.delete(fn)
    },
    live() {
      if (gap) return false
      if (performance.now() - lastBeat >= STALE_MS) {
        gap = true
        return false
      }
      return true
    },
    async close() {
      clearInterval(timer)
      subscribers.clear()
    },
  }
}

function isChange(c: Change): boolean {
  if (c.kind === 'session' || c.kind === 'user') return typeof c.id === 'string'
  return c.kind === 'keys' || c.kind === 'all'
}
