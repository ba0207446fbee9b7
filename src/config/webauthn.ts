/** Passkeys (WebAuthn): WEBAUTHN_RP_ID, WEBAUTHN_ORIGINS, WEBAUTHN_RP_NAME. */
import { isIP } from 'node:net'

export interface WebauthnSettings {
  /** The relying party ID: a host name, the origins' host or a registrable suffix of it. */
  rpId: string
  /** Shown by the authenticator when a passkey is created. */
  rpName: string
  /** Exact origins (scheme, host, port) a ceremony may come from. */
  origins: readonly string[]
}

export interface WebauthnConfig {
  /** null: passkeys are off (the defaults derive the RP ID from an IP address); `webauthnOff` says why. */
  webauthn: Readonly<WebauthnSettings> | null
  webauthnOff: string | null
}

type Get = (name: string) => string | undefined

/** Said by the start-up warning and by the passkey endpoints while passkeys are off. */
export const PASSKEYS_OFF =
  'passkeys are off: WebAuthn needs a host name as relying party ID, and PUBLIC_URL (by default the issuer) has an IP address; set WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS, or a PUBLIC_URL with a host name (such as https://auth.example.com or http://localhost:8000)'

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/

/** A DNS host name WebAuthn accepts as RP ID: lower-case labels, no IP, no trailing dot. */
function rpIdProblem(rpId: string): string | null {
  if (isIP(rpId.replace(/^\[|\]$/g, '')) !== 0)
    return `an IP address (${rpId}) cannot be a relying party ID: browsers refuse WebAuthn on IP addresses; use a host name such as localhost or auth.example.com`
  if (rpId.length > 253 || !rpId.split('.').every((l) => LABEL.test(l))) return `must be a host name in lower case, such as auth.example.com (got "${rpId}")`
  // A bare top-level name (com, local) is a public suffix: no browser lets a site claim it.
  if (!rpId.includes('.') && rpId !== 'localhost') return `must be a registrable domain such as example.com, or localhost (got "${rpId}")`
  return null
}

/** http(s)://host[:port], nothing after it. Plain http only for localhost: browsers offer passkeys only in a secure context. */
function parseOrigin(text: string): { origin: string; host: string } | string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return `"${text}" is not an origin such as https://auth.example.com`
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `"${text}" must be http(s)`
  if (url.origin !== text.replace(/\/$/, '') || url.username || url.password)
    return `"${text}" must be an origin alone (scheme, host, optional port; no path, query or user)`
  const host = url.hostname.replace(/^\[|\]$/g, '')
  const local = host === 'localhost' || host.endsWith('.localhost')
  if (url.protocol === 'http:' && !local) return `"${text}" must be https (browsers offer passkeys over plain http only on localhost)`
  return { origin: url.origin, host }
}

/** WebAuthn §5.1.3: the RP ID is the origin's host, or a suffix of it on a label boundary. */
const covers = (rpId: string, host: string) => host === rpId || host.endsWith(`.${rpId}`)

/**
 * Reads the passkey settings. Left unset, both follow PUBLIC_URL; when that has an IP address (the
 * default issuer, http://127.0.0.1:8000) passkeys are simply off, with a start-up warning. A value
 * set explicitly and wrong refuses to start, naming the variable.
 */
export function parseWebauthn(get: Get, publicUrl: string, appName: string, problems: string[]): WebauthnConfig {
  const rpIdText = get('WEBAUTHN_RP_ID')
  const originsText = get('WEBAUTHN_ORIGINS')
  const rpName = get('WEBAUTHN_RP_NAME') ?? appName
  if (/[\r\n<>]/.test(rpName) || rpName.length > 64) problems.push('WEBAUTHN_RP_NAME: one line, at most 64 characters, no < or >')
  let publicHost: string | null = null
  try {
    publicHost = new URL(publicUrl).hostname.replace(/^\[|\]$/g, '').toLowerCase()
  } catch {
    // PUBLIC_URL's own check names the problem.
  }
  const off = { webauthn: null, webauthnOff: PASSKEYS_OFF }
  if (rpIdText === undefined && originsText === undefined && (publicHost === null || isIP(publicHost) !== 0)) return off

  const origins: string[] = []
  const hosts: string[] = []
  if (originsText !== undefined) {
    const bad: string[] = []
    for (const part of originsText
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const o = parseOrigin(part)
      if (typeof o === 'string') bad.push(o)
      else if (!origins.includes(o.origin)) origins.push(o.origin), hosts.push(o.host)
    }
    if (bad.length > 0) problems.push(`WEBAUTHN_ORIGINS: ${bad.join('; ')}`)
    else if (origins.length === 0) problems.push('WEBAUTHN_ORIGINS: at least one origin, such as https://auth.example.com')
  } else {
    let url: URL
    try {
      url = new URL(publicUrl)
    } catch {
      return off
    }
    const o = parseOrigin(url.origin)
    // Derived, not chosen: an origin no browser would run a ceremony on turns passkeys off, with the warning.
    if (typeof o === 'string') {
      if (rpIdText === undefined) return { webauthn: null, webauthnOff: `passkeys are off: the origin of PUBLIC_URL, ${o}; set WEBAUTHN_ORIGINS` }
      problems.push(`WEBAUTHN_ORIGINS (unset: the origin of PUBLIC_URL): ${o}`)
    } else origins.push(o.origin), hosts.push(o.host)
  }

  const rpId = (rpIdText ?? publicHost ?? '').toLowerCase()
  const from = rpIdText === undefined ? 'WEBAUTHN_RP_ID (unset: the host of PUBLIC_URL)' : 'WEBAUTHN_RP_ID'
  const rpProblem = rpIdProblem(rpId)
  if (rpProblem) {
    problems.push(`${from}: ${rpProblem}`)
    return off
  }
  const uncovered = hosts.filter((h) => !covers(rpId, h.toLowerCase()))
  if (uncovered.length > 0) {
    const of = originsText === undefined ? 'the origin of PUBLIC_URL (WEBAUTHN_ORIGINS is unset)' : 'WEBAUTHN_ORIGINS'
    problems.push(`${from}: ${rpId} must be the host, or a domain suffix of the host, of every origin in ${of}; not of ${uncovered.join(', ')}`)
  }
  return { webauthn: Object.freeze({ rpId, rpName, origins: Object.freeze(origins) }), webauthnOff: null }
}
