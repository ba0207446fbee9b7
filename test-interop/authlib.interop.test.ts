// A second relying party no one here wrote, in another language: Authlib (Debian's python3-authlib,
// python3-requests; .ci/run installs them) runs the code flow with PKCE and nonce through the pages,
// validates the ID token by OpenID Connect's rules, then userinfo, refresh, introspection,
// revocation and client_credentials. Run: npm run test:interop
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { test } from 'node:test'
import { registerUser } from '../test/helpers/fixtures.js'
import { registerClient } from '../test/helpers/oidc.js'
import { servedApp } from '../test/helpers/served.js'

const PYTHON = '/usr/bin/python3'
const SCRIPT = join(import.meta.dirname, 'authlib_rp.py')
const CALLBACK = 'https://rp.example.org/cb'

test('Authlib (Python) signs a person in through the code flow and uses every endpoint', async (t) => {
  const { app, deps, base } = await servedApp(t, { ROLE_SCOPES: 'user=user;admin=user admin;service=reports:read' })
  const rp = await registerClient(app, deps, {
    name: 'Python RP',
    scopes: ['openid', 'profile', 'email', 'offline_access', 'reports:read'],
    redirect_uris: [CALLBACK],
    grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
  })
  const user = await registerUser(app, { username: 'erin', password: 'erin has a long passphrase', email: 'erin@example.com' })
  const run = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const py = spawn(PYTHON, [SCRIPT, base, rp.client_id, rp.client_secret!, 'erin', 'erin has a long passphrase', CALLBACK])
    let stdout = ''
    let stderr = ''
    py.stdout.on('data', (d) => (stdout += d))
    py.stderr.on('data', (d) => (stderr += d))
    py.on('close', (status) => resolve({ status, stdout, stderr }))
  })
  assert.equal(run.status, 0, run.stderr)
  const seen = JSON.parse(run.stdout)
  assert.equal(seen.iss_in_callback, true, 'RFC 9207 iss on the callback')
  assert.equal(seen.id_token.iss, base)
  assert.equal(seen.id_token.sub, user.id)
  assert.equal(seen.id_token.aud, rp.client_id)
  assert.equal(seen.id_token.preferred_username, 'erin')
  assert.equal(seen.id_token_alg, 'RS256')
  assert.deepEqual(seen.userinfo, { sub: user.id, preferred_username: 'erin', email: 'erin@example.com', email_verified: false })
  assert.equal(seen.refreshed, true)
  assert.deepEqual(seen.introspected, { active: true, sub: user.id, client_id: rp.client_id })
  assert.deepEqual(seen.after_revocation, { active: false })
  assert.deepEqual(seen.client_credentials, { scope: 'reports:read', has_refresh: false })
})
