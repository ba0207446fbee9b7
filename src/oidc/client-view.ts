import type { Client } from '../store/store.js'

/** The ID token algorithm every provider must offer (OpenID Connect Core §15.1), used unless a client registered another. */
export const DEFAULT_ID_TOKEN_ALG = 'RS256'

/** The public client object of the contract. Built field by field: the secret's hash cannot leak. */
export interface ClientView {
  client_id: string
  name: string
  confidential: boolean
  first_party: boolean
  grant_types: string[]
  scopes: string[]
  redirect_uris: string[]
  post_logout_redirect_uris: string[]
  id_token_signed_response_alg: string
  /** How it authenticates at the token endpoint: `client_secret_basic` (or `_post`) with a secret, else `none`. */
  token_endpoint_auth_method: 'client_secret_basic' | 'none'
  created_at: string
  updated_at: string
}

export const toClientView = (c: Client): ClientView => ({
  client_id: c.id,
  name: c.name,
  confidential: c.confidential,
  first_party: c.firstParty,
  grant_types: c.grantTypes,
  scopes: c.scopes,
  redirect_uris: c.redirectUris,
  post_logout_redirect_uris: c.postLogoutRedirectUris,
  id_token_signed_response_alg: c.idTokenSignedResponseAlg ?? DEFAULT_ID_TOKEN_ALG,
  token_endpoint_auth_method: c.confidential ? 'client_secret_basic' : 'none',
  created_at: c.createdAt.toISOString(),
  updated_at: c.updatedAt.toISOString(),
})
