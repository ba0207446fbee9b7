const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 }

/**
 * Parses a duration such as `90s`, `30m`, `1h`, `30d` (or a bare number of seconds).
 * @returns whole seconds, or null when the text is not a positive duration.
 */
export function parseDurationSeconds(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text)
  if (!m) return null
  const seconds = Number(m[1]) * UNITS[m[2] ?? 's']!
  if (!Number.isFinite(seconds) || seconds < 1) return null
  return Math.floor(seconds)
}
