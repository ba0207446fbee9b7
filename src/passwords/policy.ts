import zxcvbnCommon from '@zxcvbn-ts/language-common'

export const MAX_PASSWORD_LENGTH = 1024

export interface PolicyContext {
  username: string
  email: string | null
  minLength: number
}

/**
 * A blocklist of common and breached passwords (NIST 800-63B §5.1.1.2), lower-cased:
 * the 49k-entry list that zxcvbn-ts maintains. Built once at start-up (~20 ms).
 */
export function loadCommonPasswords(): ReadonlySet<string> {
  return new Set(zxcvbnCommon.dictionary['passwords-common'].map((p) => p.toLowerCase()))
}

const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '@': 'a', $: 's', '!': 'i', '|': 'l', '+': 't' }
const unleet = (s: string): string => s.replace(/[0134578@$!|+]/g, (c) => LEET[c]!)
// Digits and symbols people tack on to a weak base: "Password1!", "!!qwerty2024".
const stripAffixes = (s: string): string => s.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '')

/**
 * Checks a password against the policy. Runs in time linear in its length, so it is safe on the
 * event loop even for 1,024 characters (zxcvbn's estimator is not: seconds on long inputs).
 * @returns why the password is refused, or null when it is acceptable.
 */
export function passwordProblem(password: string, ctx: PolicyContext, common: ReadonlySet<string>): string | null {
  const chars = [...password.normalize('NFKC')]
  if (chars.length < ctx.minLength) return `Password must be at least ${ctx.minLength} characters`
  if (chars.length > MAX_PASSWORD_LENGTH) return `Password must be at most ${MAX_PASSWORD_LENGTH} characters`
  const lower = chars.join('').toLowerCase()

  const personal = [ctx.username, ctx.email, ctx.email?.split('@')[0]].filter((s): s is string => !!s && s.length >= 3).map((s) => s.toLowerCase())
  for (const p of personal) {
    // "alice", "Alice2024!", "ecila": the rest adds almost nothing once the name is known.
    for (const candidate of [lower, [...lower].reverse().join('')]) {
      if (!candidate.includes(p)) continue
      const rest = candidate.split(p).join('')
      if (rest.length < 4 || stripAffixes(rest) === '' || isCommon(rest, common)) {
        return 'Password must not be based on your username or email'
      }
    }
  }
  if (isCommon(lower, common)) return 'Password is too common; choose a less guessable one'
  if (new Set(chars).size < 3 || isRun(chars)) return 'Password is too repetitive or sequential'
  return null
}

function isCommon(lower: string, common: ReadonlySet<string>): boolean {
  const candidates = new Set([lower, stripAffixes(lower), unleet(lower), stripAffixes(unleet(lower))])
  for (const c of candidates) if (common.has(c)) return true
  return false
}

/** "abcdefgh", "98765432": every step the same ±1. */
function isRun(chars: string[]): boolean {
  const step = chars[1]!.codePointAt(0)! - chars[0]!.codePointAt(0)!
  if (Math.abs(step) !== 1) return false
  for (let i = 2; i < chars.length; i++) {
    if (chars[i]!.codePointAt(0)! - chars[i - 1]!.codePointAt(0)! !== step) return false
  }
  return true
}
