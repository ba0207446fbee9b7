/**
 * HTML built from tagged templates that escape every interpolated value by default. Only a
 * `SafeHtml` (the result of another `html` template, or `trustedHtml` for markup Gatehouse made
 * itself, such as a QR code's SVG) passes through as is. Pages never concatenate user data into
 * markup: an interpolated username, email, error message or `return_to` is always text.
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' }

/** Text to HTML: safe in element content and in double- or single-quoted attribute values. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"'`]/g, (c) => ESCAPES[c] as string)

type Value = SafeHtml | string | number | boolean | null | undefined | readonly Value[]

function render(value: Value): string {
  if (value === null || value === undefined || value === false) return ''
  if (value instanceof SafeHtml) return value.value
  if (Array.isArray(value)) return value.map(render).join('')
  return escapeHtml(String(value))
}

export function html(strings: TemplateStringsArray, ...values: Value[]): SafeHtml {
  let out = strings[0] as string
  for (let i = 0; i < values.length; i++) out += render(values[i] as Value) + (strings[i + 1] as string)
  return new SafeHtml(out)
}

/** Markup Gatehouse generated itself (never user input): passed through unescaped. */
export const trustedHtml = (markup: string): SafeHtml => new SafeHtml(markup)
