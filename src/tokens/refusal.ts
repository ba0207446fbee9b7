import { decodeJwt, decodeProtectedHeader, errors } from 'jose'

/**
 * Why an access token was refused, for a debug log line: the check that failed, what was expected
 * and what the token carried. Never the token, nor anything that would let someone use it.
 */
export interface Refusal {
  /** The check: iss, aud, exp, nbf, typ, alg, kid, signature, a missing claim's name, or malformed. */
  check: string
  expected?: unknown
  received?: unknown
  kid?: string
  /** One sentence for the log message. */
  summary: string
}

interface Expectations {
  issuer: string
  audience: string
  alg: string
  leewaySeconds: number
}

const quoted = (v: unknown) => (v === undefined ? 'none' : JSON.stringify(v))
/** What a token carried, cut short: its claims are the sender's to choose, and may be huge. */
const clip = (v: unknown): unknown => (typeof v === 'string' ? (v.length > 200 ? `${v.slice(0, 200)}…` : v) : Array.isArray(v) ? v.slice(0, 5).map(clip) : v)

/**
 * Works out, only once a token has failed, which check refused it (the hot path never calls
 * this). `err` is what the verifier threw: a jose error, or ours for an unknown kid or a key gone.
 */
export function describeRefusal(err: unknown, token: string, e: Expectations, now: Date): Refusal {
  const header = safely(() => decodeProtectedHeader(token))
  const payload = safely(() => decodeJwt(token))
  const kid = typeof header?.kid === 'string' ? (clip(header.kid) as string) : undefined
  const mismatch = (check: string, expected: unknown, received: unknown): Refusal => ({
    check,
    expected,
    received: clip(received),
    kid,
    summary: `${check} is ${quoted(clip(received))}, expected ${quoted(expected)}`,
  })
  if (!header || !payload) return { check: 'malformed', kid, summary: 'not a compact JWS with a JSON header and claims' }
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) return mismatch('alg', e.alg, header.alg)
  if (err instanceof errors.JWSSignatureVerificationFailed) return { check: 'signature', kid, summary: `signature does not verify with key ${quoted(kid)}` }
  if (err instanceof errors.JWTExpired) {
    const exp = typeof payload.exp === 'number' ? new Date(payload.exp * 1000).toISOString() : clip(payload.exp)
    return { check: 'exp', expected: `after ${now.toISOString()} (leeway ${e.leewaySeconds} s)`, received: exp, kid, summary: `expired at ${exp}` }
  }
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.reason === 'missing') return { check: err.claim, kid, summary: `claim ${err.claim} is missing` }
    // typ is a header, checked with the claims: what the header says.
    if (err.claim === 'typ') return mismatch('typ', 'at+jwt', header.typ)
    if (err.claim === 'iss') return mismatch('iss', e.issuer, payload.iss)
    if (err.claim === 'aud') return mismatch('aud', e.audience, payload.aud)
    return { check: err.claim, kid, summary: err.message }
  }
  const message = err instanceof Error ? err.message : String(err)
  if (message === 'unknown kid') return { check: 'kid', received: kid, kid, summary: `no published key has kid ${quoted(kid)}` }
  return { check: 'other', kid, summary: message }
}

function safely<T>(fn: () => T): T | null {
  try {
    return fn()
  } catch {
    return null
  }
}
