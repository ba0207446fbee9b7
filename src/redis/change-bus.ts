import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import { type Change, type ChangeBus, isChange } from '../store/changes.js'

/** How often each instance publishes a heartbeat, and how old the last one heard may be. */
const BEAT_MS = 200
const STALE_MS = 800
/** A sender not heard from for this long is forgotten (bounded: instances come and go). */
const FORGET_SENDER_MS = 60_000

type Message = { from: string; seq: number; change?: Change }

/**
 * Cross-instance invalidation over Redis pub/sub. Two checks decide whether delivery can be
 * trusted, and while it cannot, caches are not used (the database is read instead):
 * - this instance must keep hearing its own heartbeat: a dropped or silently stalled connection
 *   makes `live()` false within STALE_MS;
 * - every message carries its sender's sequence number (heartbeats included, every 200 ms): a
 *   gap means a change from that sender was lost (its publish failed), and caches are dropped.
 * Whenever delivery resumes after a gap, subscribers get `{kind: 'all'}` first.
 */
export function redisChangeBus(publisher: Redis, subscriber: Redis, channel: string): ChangeBus {
  const me = randomUUID()
  let seq = 0
  const lastSeq = new Map<string, { seq: number; at: number }>()
  const subscribers = new Set<(c: Change) => void>()
  let lastBeat = Number.NEGATIVE_INFINITY
  let gap = true
  const emit = (c: Change) => {
    for (const fn of subscribers) fn(c)
  }
  const receive = (msg: Message) => {
    const t = performance.now()
    const prev = lastSeq.get(msg.from)
    if (prev && msg.seq !== prev.seq + 1) emit({ kind: 'all' })
    lastSeq.set(msg.from, { seq: msg.seq, at: t })
    if (msg.from === me) {
      if (gap || t - lastBeat >= STALE_MS) emit({ kind: 'all' })
      gap = false
      lastBeat = t
    }
    if (msg.change) emit(msg.change)
  }
  subscriber.on('message', (ch: string, text: string) => {
    if (ch !== channel) return
    const msg = parse(text)
    if (msg) receive(msg)
  })
  // (Re)subscribe on every connection: ioredis only restores subscriptions Redis confirmed, so
  // one attempted while Redis was down would otherwise be lost for good.
  const subscribe = () => void subscriber.subscribe(channel).catch(() => {})
  subscriber.on('ready', subscribe)
  if (subscriber.status === 'ready') subscribe()
  subscriber.on('close', () => {
    gap = true
  })
  const send = (change?: Change) => {
    // The number is spent even when the publish fails: receivers see the gap.
    const msg: Message = change ? { from: me, seq: ++seq, change } : { from: me, seq: ++seq }
    if (publisher.status !== 'ready') return
    publisher.publish(channel, JSON.stringify(msg)).catch(() => {})
  }
  const timer = setInterval(() => {
    send()
    const t = performance.now()
    for (const [from, v] of lastSeq) if (t - v.at > FORGET_SENDER_MS) lastSeq.delete(from)
  }, BEAT_MS)
  timer.unref()
  send()
  return {
    publish: send,
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

/** Anyone who can publish on a shared Redis can send anything: only well-formed messages count. */
function parse(text: string): Message | null {
  let m: unknown
  try {
    m = JSON.parse(text)
  } catch {
    return null
  }
  if (typeof m !== 'object' || m === null) return null
  const { from, seq, change } = m as Record<string, unknown>
  if (typeof from !== 'string' || typeof seq !== 'number') return null
  if (change === undefined) return { from, seq }
  return isChange(change) ? { from, seq, change } : null
}
