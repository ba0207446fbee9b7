import { Type } from 'typebox'

// The admin API's client registry (contract: "OAuth 2.1 authorization code and OpenID Connect").
// Redirect URIs are checked by oidc/redirect-uris.ts (every problem at once); these bound the sizes.

const Uri = Type.String({ minLength: 1, maxLength: 2000 })
const Uris = (description: string) => Type.Array(Uri, { maxItems: 20, description })
const Grants = Type.Array(Type.String({ maxLength: 64 }), {
  minItems: 1,
  maxItems: 3,
  description: 'authorization_code, refresh_token, client_credentials (confidential clients only)',
})
const Scopes = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 50, description: 'the scopes the client may ask for' })
const Alg = Type.Union([Type.String({ maxLength: 16 }), Type.Null()], {
  description: 'ID token algorithm: RS256 (default) or the access tokens’ asymmetric one',
})
const Name = Type.String({ minLength: 1, maxLength: 100 })
const REDIRECT = 'exact https URIs, http on a loopback host (any port at request time), or private-use schemes (com.example.app:/cb); no fragment, no wildcard'

export const ClientIdParams = Type.Object({ client_id: Type.String({ minLength: 1, maxLength: 128 }) })

export const ClientCreateBody = Type.Object(
  {
    name: Name,
    redirect_uris: Uris(REDIRECT),
    confidential: Type.Optional(Type.Boolean({ description: 'default false; a confidential client gets a secret, shown once' })),
    first_party: Type.Optional(Type.Boolean({ description: 'default false; first-party clients skip the consent page' })),
    grant_types: Type.Optional(Grants),
    scopes: Type.Optional(Scopes),
    post_logout_redirect_uris: Type.Optional(Uris('where /end-session may send the browser back to, compared exactly')),
    id_token_signed_response_alg: Type.Optional(Alg),
  },
  { additionalProperties: false },
)

export const ClientPatchBody = Type.Object(
  {
    name: Type.Optional(Name),
    redirect_uris: Type.Optional(Uris(REDIRECT)),
    first_party: Type.Optional(Type.Boolean()),
    grant_types: Type.Optional(Grants),
    scopes: Type.Optional(Scopes),
    post_logout_redirect_uris: Type.Optional(Uris('compared exactly')),
    id_token_signed_response_alg: Type.Optional(Alg),
  },
  { additionalProperties: false },
)

const clientFields = {
  client_id: Type.String(),
  name: Type.String(),
  confidential: Type.Boolean(),
  first_party: Type.Boolean(),
  grant_types: Type.Array(Type.String()),
  scopes: Type.Array(Type.String()),
  redirect_uris: Type.Array(Type.String()),
  post_logout_redirect_uris: Type.Array(Type.String()),
  id_token_signed_response_alg: Type.String(),
  token_endpoint_auth_method: Type.String({ description: 'client_secret_basic (client_secret_post is accepted too) or none' }),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
}

export const ClientSchema = Type.Object(clientFields, { additionalProperties: false })
/** Registration and rotation only: the secret, shown this once (it is stored hashed). */
export const ClientWithSecret = Type.Object(
  { ...clientFields, client_secret: Type.Optional(Type.String({ description: 'shown only in this response; store it now' })) },
  { additionalProperties: false },
)
export const ClientList = Type.Object({ clients: Type.Array(ClientSchema) })
