import { Type } from 'typebox'
import { AuthenticationResponseSchema } from './passkey-schemas.js'

// Route schemas: they validate input (→ 422), document the API at /docs, and their response
// schemas serialise only the declared fields, a second guard against leaking a hash.
// Unknown request fields are dropped, as FastAPI does (additionalProperties + removeAdditional).

const Password = Type.String({ minLength: 1, maxLength: 4096, description: 'Plain password (8..1024 characters by policy)' })
const Detail = Type.Object({ detail: Type.String() }, { additionalProperties: false })
const OAuthError = Type.Object({
  detail: Type.String(),
  error: Type.Optional(Type.String()),
  mfa_token: Type.Optional(Type.String({ description: 'With error=mfa_required: present it to the mfa-otp grant within 5 minutes' })),
})
/** A second factor, where a route re-authenticates a user who has MFA on. */
const Otp = Type.String({ minLength: 1, maxLength: 16, description: 'The current 6-digit TOTP code' })
const RecoveryCode = Type.String({ minLength: 1, maxLength: 64, description: 'One unused recovery code' })
export const SecondFactorFields = { otp: Type.Optional(Otp), recovery_code: Type.Optional(RecoveryCode) }
const ValidationDetail = Type.Object({
  detail: Type.Array(Type.Object({ loc: Type.Array(Type.Union([Type.String(), Type.Number()])), msg: Type.String(), type: Type.String() })),
})

export const UserSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    username: Type.String(),
    email: Type.Union([Type.String(), Type.Null()]),
    email_verified: Type.Boolean(),
    /** An address the user asked to change to, until its verification link is used. */
    pending_email: Type.Union([Type.String(), Type.Null()]),
    roles: Type.Array(Type.String()),
    disabled: Type.Boolean(),
    created_at: Type.String({ format: 'date-time' }),
    mfa: Type.Object({ totp: Type.Boolean() }, { additionalProperties: false }),
  },
  { $id: 'User', additionalProperties: false },
)

export const RegisterBody = Type.Object(
  {
    username: Type.String({ maxLength: 256, examples: ['alice'] }),
    email: Type.Optional(Type.Union([Type.String({ maxLength: 320 }), Type.Null()], { examples: ['alice@example.com'] })),
    password: Type.Optional(Password),
    hashed_password: Type.Optional({ ...Password, deprecated: true, description: "Deprecated alias of password (the tutorial's field name)" }),
  },
  { additionalProperties: false },
)

export const TokenBody = Type.Object(
  {
    grant_type: Type.Optional(
      Type.String({ maxLength: 64, description: 'password (default), refresh_token, urn:gatehouse:grant-type:mfa-otp or urn:gatehouse:grant-type:passkey' }),
    ),
    username: Type.Optional(Type.String({ maxLength: 256 })),
    password: Type.Optional(Password),
    scope: Type.Optional(Type.String({ maxLength: 1024 })),
    refresh_token: Type.Optional(Type.String({ maxLength: 256 })),
    ...SecondFactorFields,
    mfa_token: Type.Optional(Type.String({ maxLength: 256 })),
    /** The passkey grant's assertion: an object in a JSON body, its JSON text in a form. */
    response: Type.Optional(
      Type.Union([Type.String({ maxLength: 32768, description: 'AuthenticationResponseJSON as JSON text' }), AuthenticationResponseSchema]),
    ),
    client_id: Type.Optional(Type.String({ maxLength: 256 })),
    client_secret: Type.Optional(Type.String({ maxLength: 256 })),
    /** authorization_code (RFC 6749 §4.1.3, RFC 7636 §4.5). */
    code: Type.Optional(Type.String({ maxLength: 256 })),
    redirect_uri: Type.Optional(Type.String({ maxLength: 2000 })),
    code_verifier: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: false },
)

const tokenFields = {
  access_token: Type.String(),
  token_type: Type.Literal('bearer'),
  expires_in: Type.Integer(),
}
const tokenExtras = {
  id_token: Type.Optional(Type.String({ description: 'OpenID Connect: with scope openid on the authorization_code grant' })),
  mfa_enrollment_required: Type.Optional(Type.Literal(true, { description: "MFA_REQUIRED_ROLES: enrol a second factor to get those roles' scopes" })),
}
/**
 * Two shapes, so that the serializer (which writes optional members after the required ones)
 * keeps the tutorial's order, refresh_token before scope; the second is for answers without one
 * (client_credentials, a code flow without offline_access).
 */
export const TokenResponseSchema = Type.Union([
  Type.Object({ ...tokenFields, refresh_token: Type.String(), scope: Type.String(), ...tokenExtras }, { additionalProperties: false }),
  Type.Object({ ...tokenFields, scope: Type.String(), ...tokenExtras }, { additionalProperties: false }),
])

export const RevokeBody = Type.Object(
  {
    token: Type.String({ maxLength: 8192 }),
    token_type_hint: Type.Optional(Type.String({ maxLength: 64 })),
    client_id: Type.Optional(Type.String({ maxLength: 256 })),
    client_secret: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: false },
)

export const PatchMeBody = Type.Object(
  { email: Type.Union([Type.String({ maxLength: 320 }), Type.Null()]), current_password: Password, ...SecondFactorFields },
  { additionalProperties: false },
)
export const MailTokenBody = Type.Object({ token: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false })
export const ForgotBody = Type.Object({ email: Type.String({ minLength: 1, maxLength: 320 }) }, { additionalProperties: false })
export const ResetBody = Type.Object({ token: Type.String({ minLength: 1, maxLength: 256 }), new_password: Password }, { additionalProperties: false })
export const ChangePasswordBody = Type.Object({ current_password: Password, new_password: Password, ...SecondFactorFields }, { additionalProperties: false })
export const DeleteMeBody = Type.Object({ password: Password, ...SecondFactorFields }, { additionalProperties: false })

export const TotpEnrolBody = Type.Object({ password: Password }, { additionalProperties: false })
export const TotpEnrolResponse = Type.Object({ secret: Type.String(), otpauth_uri: Type.String(), qr_svg: Type.String() }, { additionalProperties: false })
export const TotpConfirmBody = Type.Object({ code: Otp }, { additionalProperties: false })
export const RecoveryCodesResponse = Type.Object({ recovery_codes: Type.Array(Type.String()) }, { additionalProperties: false })
/** Turning MFA off, or new recovery codes: the password and the current factor. */
export const ReauthBody = Type.Object({ password: Password, ...SecondFactorFields }, { additionalProperties: false })
/** Options to add a passkey: nothing within 5 minutes of a full-strength sign-in; else the password (and the current factor). */
export const PasskeyAddOptionsBody = Type.Object(
  {
    password: Type.Optional(
      Type.String({ minLength: 1, maxLength: 4096, description: 'Your current password: needed unless you signed in within the last 5 minutes' }),
    ),
    ...SecondFactorFields,
  },
  { additionalProperties: false },
)

export const SessionSchema = Type.Object(
  {
    id: Type.String(),
    created_at: Type.String({ format: 'date-time' }),
    last_used_at: Type.String({ format: 'date-time' }),
    user_agent: Type.Union([Type.String(), Type.Null()]),
    ip: Type.Union([Type.String(), Type.Null()]),
    current: Type.Boolean(),
    client_id: Type.Union([Type.String(), Type.Null()], { description: 'The OpenID Connect client it was issued to; null for the token API and the pages' }),
  },
  { additionalProperties: false },
)

export const SessionIdParams = Type.Object({ id: Type.String({ maxLength: 64 }) })

/** Error responses shared by routes, for the OpenAPI document. */
export const errors = {
  noContent: Type.Null({ description: 'No content' }),
  detail: Detail,
  oauth: OAuthError,
  validation: ValidationDetail,
}

/** Security requirement for bearer-protected routes in the OpenAPI document. */
export const bearer = [{ OAuth2PasswordBearer: [] as string[] }]
