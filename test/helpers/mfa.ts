import assert from 'node:assert/strict'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { totpCodeAt } from '../../src/authn/factors/totp.js'
import { bearer, FORM, form, login, PASSWORD, registerUser, type Tokens } from './fixtures.js'

/** Enrols TOTP for a signed-in user through the API: the secret, and the recovery codes shown once. */
export async function enrolTotp(
  app: FastifyInstance,
  token: string,
  now: () => Date,
  password = PASSWORD,
): Promise<{ secret: string; recoveryCodes: string[] }> {
  const start = await app.inject({ method: 'POST', url: '/users/me/mfa/totp', headers: bearer(token), payload: { password } })
  assert.equal(start.statusCode, 200, start.body)
  const { secret } = start.json() as { secret: string }
  const confirm = await app.inject({ method: 'POST', url: '/users/me/mfa/totp/confirm', headers: bearer(token), payload: { code: totpCodeAt(secret, now()) } })
  assert.equal(confirm.statusCode, 200, confirm.body)
  return { secret, recoveryCodes: (confirm.json() as { recovery_codes: string[] }).recovery_codes }
}

/** Registers alice, signs her in and turns TOTP on. */
export async function aliceWithTotp(app: FastifyInstance, now: () => Date): Promise<{ id: string; secret: string; recoveryCodes: string[]; tokens: Tokens }> {
  const user = await registerUser(app)
  const tokens = await login(app)
  return { id: user.id, tokens, ...(await enrolTotp(app, tokens.access_token, now)) }
}

export const passwordGrant = (app: FastifyInstance, fields: Record<string, string> = {}, remoteAddress?: string): Promise<LightMyRequestResponse> =>
  app.inject({
    method: 'POST',
    url: '/token',
    headers: FORM,
    ...(remoteAddress ? { remoteAddress } : {}),
    payload: form({ username: 'alice', password: PASSWORD, ...fields }),
  })

export const mfaGrant = (app: FastifyInstance, fields: Record<string, string>, remoteAddress?: string): Promise<LightMyRequestResponse> =>
  app.inject({
    method: 'POST',
    url: '/token',
    headers: FORM,
    ...(remoteAddress ? { remoteAddress } : {}),
    payload: form({ grant_type: 'urn:gatehouse:grant-type:mfa-otp', ...fields }),
  })

export { totpCodeAt }
