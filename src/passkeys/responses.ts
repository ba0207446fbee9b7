import type { AuthenticationResponseJSON, AuthenticatorTransportFuture, RegistrationResponseJSON } from '@simplewebauthn/server'

/**
 * The browser's JSON (WebAuthn L3 `toJSON()`, or @simplewebauthn/browser's) checked for shape and
 * size before any of it is decoded: the pages hand it over as parsed from a form field, the API
 * after its schema, the token grant as text. Only the fields a ceremony reads are kept.
 */

const B64URL = /^[A-Za-z0-9_-]*$/
/** Credential ids are at most 1023 bytes (WebAuthn §5.8.3); the other fields get generous bounds. */
const MAX = { id: 1400, clientDataJSON: 4096, attestationObject: 16384, authenticatorData: 4096, signature: 1024, userHandle: 128 } as const
const TRANSPORTS: readonly AuthenticatorTransportFuture[] = ['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const b64 = (v: unknown, max: number): v is string => typeof v === 'string' && v.length > 0 && v.length <= max && B64URL.test(v)

/** Known transports only, each once (they are stored and sent back to browsers). */
export function cleanTransports(v: unknown): AuthenticatorTransportFuture[] {
  if (!Array.isArray(v)) return []
  return [...new Set(v.filter((t): t is AuthenticatorTransportFuture => TRANSPORTS.includes(t as AuthenticatorTransportFuture)))]
}

/** The fields every credential response has. @returns null when they are missing or malformed. */
function common(v: unknown): { id: string; inner: Json; attachment: Json } | null {
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v)
    } catch {
      return null
    }
  }
  if (!isObject(v) || !isObject(v.response) || v.type !== 'public-key') return null
  if (!b64(v.id, MAX.id) || v.rawId !== v.id) return null
  if (!b64(v.response.clientDataJSON, MAX.clientDataJSON)) return null
  const attachment =
    v.authenticatorAttachment === 'platform' || v.authenticatorAttachment === 'cross-platform' ? { authenticatorAttachment: v.authenticatorAttachment } : {}
  return { id: v.id, inner: v.response, attachment }
}

/** The client's credProps output (WebAuthn §10.1.3), when it reported a boolean `rk`; nothing otherwise. */
function credPropsOf(v: unknown): { credProps?: { rk: boolean } } {
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v)
    } catch {
      return {}
    }
  }
  const results = isObject(v) && isObject(v.clientExtensionResults) ? v.clientExtensionResults : null
  const rk = results && isObject(results.credProps) ? results.credProps.rk : undefined
  return typeof rk === 'boolean' ? { credProps: { rk } } : {}
}

/** A registration response (`navigator.credentials.create()`), or null. */
export function parseRegistrationResponse(v: unknown): RegistrationResponseJSON | null {
  const c = common(v)
  if (!c || !b64(c.inner.attestationObject, MAX.attestationObject)) return null
  return {
    id: c.id,
    rawId: c.id,
    type: 'public-key',
    ...c.attachment,
    // Of the extension outputs only credProps.rk is read (is the credential discoverable?), and only when a boolean.
    clientExtensionResults: credPropsOf(v),
    response: {
      clientDataJSON: c.inner.clientDataJSON as string,
      attestationObject: c.inner.attestationObject as string,
      transports: cleanTransports(c.inner.transports),
    },
  } as RegistrationResponseJSON
}

/** An authentication response (`navigator.credentials.get()`), or null. */
export function parseAuthenticationResponse(v: unknown): AuthenticationResponseJSON | null {
  const c = common(v)
  if (!c || !b64(c.inner.authenticatorData, MAX.authenticatorData) || !b64(c.inner.signature, MAX.signature)) return null
  const handle = c.inner.userHandle
  // A null or empty userHandle is "none given" (non-discoverable credentials).
  if (handle !== undefined && handle !== null && handle !== '' && !b64(handle, MAX.userHandle)) return null
  return {
    id: c.id,
    rawId: c.id,
    type: 'public-key',
    ...c.attachment,
    clientExtensionResults: {},
    response: {
      clientDataJSON: c.inner.clientDataJSON as string,
      authenticatorData: c.inner.authenticatorData as string,
      signature: c.inner.signature as string,
      ...(typeof handle === 'string' && handle !== '' ? { userHandle: handle } : {}),
    },
  } as AuthenticationResponseJSON
}
