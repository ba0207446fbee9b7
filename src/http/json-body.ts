import type { FastifyRequest } from 'fastify'
import secureJson from 'secure-json-parse'
import { HttpError } from './http-errors.js'

/**
 * JSON bodies through secure-json-parse: a `__proto__` key, or `constructor.prototype`, is refused
 * (prototype poisoning: merged into an object, it would change every object's behaviour), and
 * the 400 says so; a body that is not JSON at all says that instead.
 */
export function parseJsonBody(_request: FastifyRequest, body: string | Buffer, done: (err: Error | null, value?: unknown) => void): void {
  const text = typeof body === 'string' ? body : body.toString('utf8')
  if (text === '') {
    done(new HttpError(400, 'Body is empty but content-type is application/json'))
    return
  }
  try {
    done(null, secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }))
  } catch (err) {
    const poisoned = err instanceof SyntaxError && /prototype/i.test(err.message)
    done(
      new HttpError(
        400,
        poisoned
          ? 'Body refused: a "__proto__" or "constructor.prototype" key is not accepted (prototype poisoning)'
          : 'Body is not valid JSON but content-type is application/json',
      ),
    )
  }
}
