import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** The built-in templates (templates/mail at the package root, for src/ and dist/ alike). */
const BUILT_IN_TEMPLATES = join(import.meta.dirname, '..', '..', 'templates', 'mail')

export type TemplateName = 'verify-email' | 'reset-password' | 'email-changed' | 'test'
export type Rendered = { subject: string; text: string; html: string }

const escapeHtml = (v: string) => v.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/**
 * Loads every template once at start (a missing or malformed one fails then, not when a user
 * needs the message). A file in `overrideDir` replaces the built-in one of the same name.
 */
export function loadTemplates(overrideDir: string | null): (name: TemplateName, values: Record<string, string>) => Rendered {
  const read = (file: string): string => {
    const own = overrideDir ? join(overrideDir, file) : null
    return readFileSync(own && existsSync(own) ? own : join(BUILT_IN_TEMPLATES, file), 'utf8')
  }
  const names: TemplateName[] = ['verify-email', 'reset-password', 'email-changed', 'test']
  const loaded = new Map<TemplateName, { subject: string; text: string; html: string }>()
  for (const name of names) {
    const txt = read(`${name}.txt`)
    const m = /^Subject: (.+)\r?\n\r?\n([\s\S]*)$/.exec(txt)
    if (!m) throw new Error(`mail template ${name}.txt: the first line must be "Subject: …", then a blank line`)
    loaded.set(name, { subject: m[1]!, text: m[2]!, html: read(`${name}.html`) })
  }
  const fill = (t: string, values: Record<string, string>, esc: (v: string) => string) => t.replace(/\{\{(\w+)\}\}/g, (_, k: string) => esc(values[k] ?? ''))
  return (name, values) => {
    const t = loaded.get(name)!
    // Header injection: a subject is one line whatever the values hold.
    const subject = fill(t.subject, values, (v) => v.replace(/[\r\n]+/g, ' '))
    return { subject, text: fill(t.text, values, (v) => v), html: fill(t.html, values, escapeHtml) }
  }
}
