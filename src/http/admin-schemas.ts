import { Type } from 'typebox'
import { UserSchema } from './schemas.js'

// Query strings are strings: with coercion off (as pydantic), numbers are checked by pattern.
const Limit = Type.String({ pattern: '^(?:[1-9]|[1-9][0-9]|1[0-9][0-9]|200)$', description: '1..200 (default 50)' })
const Cursor = Type.String({ maxLength: 512, description: 'next_cursor of the previous page' })
const Roles = Type.Array(Type.String({ minLength: 1, maxLength: 32 }), { minItems: 1, maxItems: 16 })

/** OpenAPI decoration shared by every admin route. */
export const adminDoc = { tags: ['admin'], security: [{ OAuth2PasswordBearer: ['admin'] }] }

export const UserIdParams = Type.Object({ id: Type.String({ maxLength: 64 }) })
export const KidParams = Type.Object({ kid: Type.String({ minLength: 1, maxLength: 128 }) })

export const UsersQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 320, description: 'prefix of the username or email, any case' })),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
)

export const UserPage = Type.Object({ users: Type.Array(UserSchema), next_cursor: Type.Union([Type.String(), Type.Null()]) })

export const AdminCreateUserBody = Type.Object(
  {
    username: Type.String({ maxLength: 256 }),
    email: Type.Optional(Type.Union([Type.String({ maxLength: 320 }), Type.Null()])),
    password: Type.String({ minLength: 1, maxLength: 4096 }),
    roles: Type.Optional(Roles),
  },
  { additionalProperties: false },
)

export const AdminPatchUserBody = Type.Object(
  {
    disabled: Type.Optional(Type.Boolean()),
    roles: Type.Optional(Roles),
    email: Type.Optional(Type.Union([Type.String({ maxLength: 320 }), Type.Null()])),
    email_verified: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
)

const keyProperties = {
  kid: Type.String(),
  alg: Type.String(),
  state: Type.Union([Type.Literal('next'), Type.Literal('active'), Type.Literal('retired')]),
  created_at: Type.String({ format: 'date-time' }),
  activates_at: Type.String({ format: 'date-time' }),
  retires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
}
const KeySchema = Type.Object(keyProperties)
export const KeyList = Type.Object({ keys: Type.Array(KeySchema) })
/** A rotation's answer: the new access-token key, and beside it the new ID-token key (RS256) when both rings rotated. */
export const KeyOut = Type.Object({
  ...keyProperties,
  id_token_key: Type.Optional(Type.Object(keyProperties, { description: 'the new ID-token key (RS256); the same key as above when JWT_ALG=RS256' })),
})
export const RotateBody = Type.Union([
  Type.Object(
    {
      now: Type.Optional(Type.Boolean({ description: 'sign with the new key at once (skips KEY_PUBLISH_LEAD)' })),
      alg: Type.Optional(
        Type.Union([Type.Literal('EdDSA'), Type.Literal('ES256'), Type.Literal('RS256')], {
          description: 'rotate only the ring of this algorithm (JWT_ALG: access tokens; RS256: ID tokens); without it both rotate',
        }),
      ),
    },
    { additionalProperties: false },
  ),
  Type.Null(),
])

export const AuditQuery = Type.Object(
  {
    user_id: Type.Optional(Type.String({ maxLength: 64 })),
    type: Type.Optional(Type.String({ maxLength: 64 })),
    since: Type.Optional(Type.String({ format: 'date-time' })),
    until: Type.Optional(Type.String({ format: 'date-time' })),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
)

const AuditEventSchema = Type.Object({
  id: Type.Integer(),
  type: Type.String(),
  at: Type.String({ format: 'date-time' }),
  actor_id: Type.Union([Type.String(), Type.Null()]),
  subject_id: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  user_agent: Type.Union([Type.String(), Type.Null()]),
  details: Type.Object({}, { additionalProperties: true }),
})
export const AuditPage = Type.Object({ events: Type.Array(AuditEventSchema), next_cursor: Type.Union([Type.String(), Type.Null()]) })
