// A software WebAuthn authenticator for tests: a P-256 key per credential (node:crypto), "none"
// attestation in CBOR, authenticator data with the flags and counter a test asks for, and
// ES256 signatures over authData || SHA-256(clientDataJSON), as WebAuthn L3 §6.1 and §7 lay out.
// Each ceremony can be bent (another origin, RP ID, challenge, counter, flags) to test refusals.
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto'
import { isoCBOR } from '@simplewebauthn/server/helpers'

const FLAG = { UP: 0x01, UV: 0x04, BE: 0x08, BS: 0x10, AT: 0x40 } as const

export interface StoredCredential {
  id: string
  privateKey: KeyObject
  rpId: string
  userHandle: string
  counter: number
}

export interface CeremonyOptions {
  origin?: string
  rpId?: string
  challenge?: string
  /** User verification (PIN, biometrics): default the authenticator's setting. */
  uv?: boolean
  up?: boolean
  type?: string
  /** The sign counter to report (default: one more than the last, or 0 for a counter-less authenticator). */
  counter?: number
  /** Assertion: the credential to use (default: the first for the RP ID). */
  credentialId?: string
  /** Assertion: override the user handle sent (null: none). */
  userHandle?: string | null
}

export interface SoftAuthenticatorOptions {
  origin: string
  /** Backup eligible and backed up: a synced passkey (BE, BS flags). */
  synced?: boolean
  /** Performs user verification (UV flag). */
  uv?: boolean
  /** Keeps a sign counter (false: always 0, as synced passkeys do). */
  counts?: boolean
  transports?: string[]
  /**
   * What the client reports for the credProps extension, when the options ask for it: `rk` true
   * (the default: a discoverable credential) or false; null reports nothing, as many clients do.
   */
  discoverable?: boolean | null
}

const b64 = (b: Uint8Array | Buffer) => Buffer.from(b).toString('base64url')
const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest()

type CreationOptions = { challenge: string; rp: { id?: string }; user: { id: string }; extensions?: { credProps?: boolean } }
type RequestOptions = { challenge: string; rpId?: string; allowCredentials?: { id: string }[] }

export class SoftAuthenticator {
  readonly credentials: StoredCredential[] = []
  readonly aaguid = randomBytes(16)

  constructor(readonly opts: SoftAuthenticatorOptions) {}

  private flags(o: CeremonyOptions, extra = 0): number {
    let f = extra
    if (o.up ?? true) f |= FLAG.UP
    if (o.uv ?? this.opts.uv ?? true) f |= FLAG.UV
    if (this.opts.synced) f |= FLAG.BE | FLAG.BS
    return f
  }

  private authData(rpId: string, flags: number, counter: number, attested?: Buffer): Buffer {
    const head = Buffer.alloc(37)
    sha256(rpId).copy(head, 0)
    head[32] = flags
    head.writeUInt32BE(counter, 33)
    return attested ? Buffer.concat([head, attested]) : head
  }

  private clientData(type: string, challenge: string, origin: string): string {
    return b64(Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false })))
  }

  /** navigator.credentials.create(): a new credential, and its RegistrationResponseJSON. */
  create(options: CreationOptions, o: CeremonyOptions = {}) {
    const rpId = o.rpId ?? options.rp.id ?? new URL(this.opts.origin).hostname
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const jwk = publicKey.export({ format: 'jwk' })
    const cose = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, Buffer.from(jwk.x!, 'base64url')],
        [-3, Buffer.from(jwk.y!, 'base64url')],
      ]),
    )
    const credentialId = randomBytes(16)
    const idLength = Buffer.alloc(2)
    idLength.writeUInt16BE(credentialId.length)
    const attested = Buffer.concat([this.aaguid, idLength, credentialId, Buffer.from(cose)])
    const counter = o.counter ?? 0
    const authData = this.authData(rpId, this.flags(o, FLAG.AT), counter, attested)
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Uint8Array | Map<string, string>>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, string>()],
        ['authData', authData],
      ]),
    )
    const id = b64(credentialId)
    this.credentials.push({ id, privateKey, rpId, userHandle: options.user.id, counter })
    const rk = this.opts.discoverable === undefined ? true : this.opts.discoverable
    return {
      id,
      rawId: id,
      type: 'public-key',
      authenticatorAttachment: this.opts.synced ? 'platform' : 'cross-platform',
      clientExtensionResults: options.extensions?.credProps && rk !== null ? { credProps: { rk } } : {},
      response: {
        clientDataJSON: this.clientData(o.type ?? 'webauthn.create', o.challenge ?? options.challenge, o.origin ?? this.opts.origin),
        attestationObject: b64(attestationObject),
        transports: this.opts.transports ?? (this.opts.synced ? ['internal', 'hybrid'] : ['usb']),
      },
    }
  }

  /** navigator.credentials.get(): an AuthenticationResponseJSON signed by the chosen credential. */
  get(options: RequestOptions, o: CeremonyOptions = {}) {
    const rpId = o.rpId ?? options.rpId ?? new URL(this.opts.origin).hostname
    const allowed = options.allowCredentials?.map((c) => c.id) ?? []
    const cred = this.credentials.find((c) => (o.credentialId ? c.id === o.credentialId : allowed.length === 0 || allowed.includes(c.id)))
    if (!cred) throw new Error('no credential for these options')
    const counter = o.counter ?? (this.opts.counts === false ? 0 : cred.counter + 1)
    cred.counter = Math.max(cred.counter, counter)
    const authData = this.authData(rpId, this.flags(o), counter)
    const clientDataJSON = this.clientData(o.type ?? 'webauthn.get', o.challenge ?? options.challenge, o.origin ?? this.opts.origin)
    const signature = sign('sha256', Buffer.concat([authData, sha256(Buffer.from(clientDataJSON, 'base64url'))]), cred.privateKey)
    const userHandle = o.userHandle === undefined ? cred.userHandle : o.userHandle
    return {
      id: cred.id,
      rawId: cred.id,
      type: 'public-key',
      authenticatorAttachment: this.opts.synced ? 'platform' : 'cross-platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON,
        authenticatorData: b64(authData),
        signature: b64(signature),
        ...(userHandle === null ? {} : { userHandle }),
      },
    }
  }
}
