import { Type } from 'typebox'

// Passkey routes' schemas: the WebAuthn JSON forms (WebAuthn L3 §5.1.8 and §5.1.9 toJSON(),
// PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON), bounded in size.

const B64 = (maxLength: number, description?: string) => Type.String({ maxLength, pattern: '^[A-Za-z0-9_-]*$', ...(description ? { description } : {}) })
const Transports = Type.Array(Type.String({ maxLength: 32 }), { maxItems: 8 })
const Descriptor = Type.Object({ id: Type.String(), type: Type.String(), transports: Type.Optional(Type.Array(Type.String())) })
/** Extension inputs and outputs pass through as they are. */
const Extensions = Type.Object({}, { additionalProperties: true })

export const RegistrationResponseSchema = Type.Object(
  {
    id: B64(1400, 'The credential id, base64url'),
    rawId: B64(1400),
    type: Type.Literal('public-key'),
    response: Type.Object(
      {
        clientDataJSON: B64(4096),
        attestationObject: B64(16384),
        transports: Type.Optional(Transports),
        authenticatorData: Type.Optional(B64(16384)),
        publicKey: Type.Optional(B64(4096)),
        publicKeyAlgorithm: Type.Optional(Type.Integer()),
      },
      { additionalProperties: false },
    ),
    authenticatorAttachment: Type.Optional(Type.String({ maxLength: 32 })),
    clientExtensionResults: Type.Optional(Extensions),
  },
  { additionalProperties: false, description: 'RegistrationResponseJSON: what navigator.credentials.create() returned, as JSON' },
)

export const AuthenticationResponseSchema = Type.Object(
  {
    id: B64(1400, 'The credential id, base64url'),
    rawId: B64(1400),
    type: Type.Literal('public-key'),
    response: Type.Object(
      {
        clientDataJSON: B64(4096),
        authenticatorData: B64(4096),
        signature: B64(1024),
        userHandle: Type.Optional(Type.Union([B64(128), Type.Null()])),
      },
      { additionalProperties: false },
    ),
    authenticatorAttachment: Type.Optional(Type.Union([Type.String({ maxLength: 32 }), Type.Null()])),
    clientExtensionResults: Type.Optional(Extensions),
  },
  { additionalProperties: false, description: 'AuthenticationResponseJSON: what navigator.credentials.get() returned, as JSON' },
)

export const AddPasskeyBody = Type.Object(
  {
    name: Type.Optional(Type.Union([Type.String({ maxLength: 256, description: 'Trimmed to 64 characters; a default when empty' }), Type.Null()])),
    response: RegistrationResponseSchema,
  },
  { additionalProperties: false },
)
export const RenamePasskeyBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false })
export const PasskeyOptionsBody = Type.Object(
  {
    username: Type.Optional(
      Type.Union([Type.String({ maxLength: 256 }), Type.Null()], { description: 'Accepted and ignored: sign-in is with discoverable passkeys only' }),
    ),
  },
  { additionalProperties: false },
)
export const PasskeyIdParams = Type.Object({ id: Type.String({ maxLength: 64 }) })

export const PasskeySchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    created_at: Type.String({ format: 'date-time' }),
    last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    device_type: Type.String({ description: 'multiDevice (a synced passkey) or singleDevice' }),
    backed_up: Type.Boolean(),
  },
  { additionalProperties: false },
)

export const CreationOptionsSchema = Type.Object(
  {
    challenge: Type.String(),
    rp: Type.Object({ name: Type.String(), id: Type.Optional(Type.String()) }),
    user: Type.Object({ id: Type.String(), name: Type.String(), displayName: Type.String() }),
    pubKeyCredParams: Type.Array(Type.Object({ alg: Type.Integer(), type: Type.String() })),
    timeout: Type.Optional(Type.Integer()),
    excludeCredentials: Type.Optional(Type.Array(Descriptor)),
    authenticatorSelection: Type.Optional(Type.Object({}, { additionalProperties: true })),
    attestation: Type.Optional(Type.String()),
    extensions: Type.Optional(Extensions),
    hints: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: true, description: 'PublicKeyCredentialCreationOptionsJSON, for navigator.credentials.create()' },
)

export const RequestOptionsSchema = Type.Object(
  {
    challenge: Type.String(),
    rpId: Type.Optional(Type.String()),
    timeout: Type.Optional(Type.Integer()),
    allowCredentials: Type.Array(Descriptor),
    userVerification: Type.Optional(Type.String()),
    extensions: Type.Optional(Extensions),
    hints: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: true, description: 'PublicKeyCredentialRequestOptionsJSON, for navigator.credentials.get()' },
)
