// A second implementation verifies what Gatehouse issues: PyJWT (Debian's python3-jwt and
// python3-cryptography; .ci/run installs them), from the metadata and JWKS alone, for every
// asymmetric algorithm Gatehouse signs with. Run: npm run test:interop
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { test } from 'node:test'
import { buildTestApp } from '../test/helpers/build-app.js'
import { login, registerUser } from '../test/helpers/fixtures.js'

// Debian's interpreter, where Debian's packages are (another python3 may come first on PATH).
const PYTHON = '/usr/bin/python3'
const SCRIPT = join(import.meta.dirname, 'verify_pyjwt.py')

for (const alg of ['EdDSA', 'ES256', 'RS256'] as const) {
  test(`PyJWT verifies a ${alg} access token from the published JWKS, and rejects a tampered one`, async (t) => {
    const { app } = await buildTestApp(t, { JWT_ALG: alg, PORT: '0' })
    await app.listen({ host: '127.0.0.1', port: 0 })
    const port = (app.server.address() as { port: number }).port
    // The issuer is fixed at build time; rebuild with the real port so metadata and tokens agree.
    await app.close()
    const { app: served } = await buildTestApp(t, { JWT_ALG: alg, ISSUER: `http://127.0.0.1:${port}` })
    await served.listen({ host: '127.0.0.1', port })
    const user = await registerUser(served)
    const { access_token } = await login(served)
    // Asynchronous: the verifier fetches the JWKS from this very process, which must keep serving.
    const verify = (token: string) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const py = spawn(PYTHON, [SCRIPT, `http://127.0.0.1:${port}`, 'gatehouse', alg, token])
        let stdout = ''
        let stderr = ''
        py.stdout.on('data', (d) => (stdout += d))
        py.stderr.on('data', (d) => (stderr += d))
        py.on('close', (status) => resolve({ status, stdout, stderr }))
      })
    const ok = await verify(access_token)
    assert.equal(ok.status, 0, ok.stderr)
    assert.equal(ok.stdout.trim(), user.id)
    const [h, p, s] = access_token.split('.')
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString())
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url')}.${s}`
    const bad = await verify(forged)
    assert.equal(bad.status, 1, 'control: the verifier does reject')
    assert.match(bad.stderr, /rejected/)
  })
}
