import assert from 'node:assert/strict'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { bearer } from './fixtures.js'
import { type CeremonyOptions, SoftAuthenticator, type SoftAuthenticatorOptions } from './soft-authenticator.js'

/** A relying party the tests can reach: RP ID example.com, the API at https://auth.example.com. */
export const ORIGIN = 'https://auth.example.com'
export const PASSKEY_ENV = { WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: `${ORIGIN},https://app.example.com` }
export const PASSKEY_GRANT = 'urn:gatehouse:grant-type:passkey'

export const authenticator = (opts: Partial<SoftAuthenticatorOptions> = {}) => new SoftAuthenticator({ origin: ORIGIN, ...opts })

/** What re-authenticates the options call of a session that is not fresh: the password, and a code when TOTP is on. */
export type AddReauth = { password?: string; otp?: string; recovery_code?: string }

/** POST /users/me/passkeys/options (no body, or `reauth`): the answer as it is. */
export const creationOptionsRequest = (app: FastifyInstance, token: string, reauth?: AddReauth, remoteAddress?: string): Promise<LightMyRequestResponse> =>
  app.inject({
    method: 'POST',
    url: '/users/me/passkeys/options',
    headers: bearer(token),
    ...(reauth ? { payload: reauth } : {}),
    ...(remoteAddress ? { remoteAddress } : {}),
  })

export async function creationOptions(app: FastifyInstance, token: string, reauth?: AddReauth) {
  const res = await creationOptionsRequest(app, token, reauth)
  assert.equal(res.statusCode, 200, res.body)
  return res.json()
}

/** Adds a passkey of `auth` to the token's user through the API: POST options, create, POST the response. */
export async function addPasskey(app: FastifyInstance, token: string, auth: SoftAuthenticator, name?: string, o: CeremonyOptions = {}, reauth?: AddReauth) {
  const options = await creationOptions(app, token, reauth)
  const response = auth.create(options, o)
  return app.inject({ method: 'POST', url: '/users/me/passkeys', headers: bearer(token), payload: name === undefined ? { response } : { name, response } })
}

export async function requestOptions(app: FastifyInstance, username?: string, remoteAddress?: string) {
  const res = await app.inject({
    method: 'POST',
    url: '/passkeys/options',
    payload: username === undefined ? {} : { username },
    ...(remoteAddress ? { remoteAddress } : {}),
  })
  assert.equal(res.statusCode, 200, res.body)
  return res.json()
}

export const passkeyGrant = (app: FastifyInstance, response: unknown, remoteAddress?: string): Promise<LightMyRequestResponse> =>
  app.inject({ method: 'POST', url: '/token', payload: { grant_type: PASSKEY_GRANT, response }, ...(remoteAddress ? { remoteAddress } : {}) })

/** A whole sign-in: options (with `username` or discoverable), the assertion, the grant. @returns the grant's answer and the assertion sent. */
export async function signInWithPasskey(app: FastifyInstance, auth: SoftAuthenticator, username?: string, o: CeremonyOptions = {}) {
  const assertion = auth.get(await requestOptions(app, username), o)
  return { res: await passkeyGrant(app, assertion), assertion }
}
