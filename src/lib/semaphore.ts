/** The wait queue is full: the caller should answer "busy, retry shortly" rather than queue more. */
export class QueueFullError extends Error {
  constructor() {
    super('queue full')
    this.name = 'QueueFullError'
  }
}

/** The caller gave up (its client went away) while the task was still waiting for a slot. */
export class AbandonedError extends Error {
  constructor() {
    super('abandoned while queued')
    this.name = 'AbandonedError'
  }
}

type Waiter = { resolve: () => void; signal: AbortSignal | undefined }

/**
 * Runs at most `limit` async tasks at once; at most `maxWaiting` more wait, in arrival order.
 * A waiter whose signal aborts leaves the queue without ever running: work nobody will read is
 * never done.
 */
export class Semaphore {
  private active = 0
  private readonly waiting: Waiter[] = []

  constructor(
    private readonly limit: number,
    private readonly maxWaiting = Number.POSITIVE_INFINITY,
  ) {}

  /** How many tasks wait for a slot now. */
  get queued(): number {
    return this.waiting.length
  }

  /** @throws QueueFullError when the queue is full, AbandonedError when `signal` aborts first. */
  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) throw new AbandonedError()
    if (this.active >= this.limit) {
      if (this.waiting.length >= this.maxWaiting) throw new QueueFullError()
      await new Promise<void>((resolve, reject) => {
        const waiter: Waiter = { resolve, signal }
        const abandon = () => {
          const i = this.waiting.indexOf(waiter)
          if (i >= 0) this.waiting.splice(i, 1)
          reject(new AbandonedError())
        }
        waiter.resolve = () => {
          signal?.removeEventListener('abort', abandon)
          resolve()
        }
        signal?.addEventListener('abort', abandon, { once: true })
        this.waiting.push(waiter)
      })
    } else {
      this.active++
    }
    try {
      return await task()
    } finally {
      // Hand the slot straight to the next waiter, so `active` never dips and lets a newcomer jump the queue.
      const next = this.waiting.shift()
      if (next) next.resolve()
      else this.active--
    }
  }
}
