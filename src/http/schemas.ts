import { Type } from 'typebox'

// Route schemas: they validate input (→ 422), document the API at /docs, and their response
// schemas serialise only the declared fields, a second guard against leaking a hash.
// Unknown request fields are dropped, as FastAPI does (additionalProperties + removeAdditional).

const Password = Type.String({ minLength: 1, maxLength: 4096, description: 'Plain password (8..1024 characters by policy)' })
const Detail = Type.Object({ detail: Type.String() }, { additionalProperties: false })
const OAuthError = Type.Object({ detail: Type.String(), error: Type.Optional(Type.String()) })
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
    grant_type: Type.Optional(Type.String({ maxLength: 64, description: 'password (default) or refresh_token' })),
    username: Type.Optional(Type.String({ maxLength: 256 })),
    password: Type.Optional(Password),
    scope: Type.Optional(Type.String({ maxLength: 1024 })),
    refresh_token: Type.Optional(Type.String({ maxLength: 256 })),
    client_id: Type.Optional(Type.String({ maxLength: 256 })),
    client_secret: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: false },
)

export const TokenResponseSchema = Type.Object(
  {
    access_token: Type.String(),
    token_type: Type.Literal('bearer'),
    expires_in: Type.Integer(),
    refresh_token: Type.String(),
    scope: Type.String(),
  },
  { additionalProperties: false },
)

export const RevokeBody = Type.Object(
  { token: Type.String({ maxLength: 8192 }), token_type_hint: Type.Optional(Type.String({ maxLength: 64 })) },
  { additionalProperties: false },
)

export const PatchMeBody = Type.Object(
  { email: Type.Union([Type.String({ maxLength: 320 }), Type.Null()]), current_password: Password },
  { additionalProperties: false },
)
export const MailTokenBody = Type.Object({ token: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false })
export const ForgotBody = Type.Object({ email: Type.String({ minLength: 1, maxLength: 320 }) }, { additionalProperties: false })
export const ResetBody = Type.Object({ token: Type.String({ minLength: 1, maxLength: 256 }), new_password: Password }, { additionalProperties: false })
export const ChangePasswordBody = Type.Object({ current_password: Password, new_password: Password }, { additionalProperties: false })
export const DeleteMeBody = Type.Object({ password: Password }, { additionalProperties: false })

export const SessionSchema = Type.Object(
  {
    id: Type.String(),
    created_at: Type.String({ format: 'date-time' }),
    last_used_at: Type.String({ format: 'date-time' }),
    user_agent: Type.Union([Type.String(), Type.Null()]),
    ip: Type.Union([Type.String(), Type.Null()]),
    current: Type.Boolean(),
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
