// The CLI's MFA and secrets-at-rest commands as a process: users mfa-reset, keys reencrypt.
// @see issue 12
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { before, type TestContext, test } from 'node:test'
import { buildTestApp, testClock } from '../helpers/build-app.js'
import { me } from '../helpers/fixtures.js'
import { aliceWithTotp, passwordGrant, totpCodeAt } from '../helpers/mfa.js'
import { cli, ensureBuild } from '../helpers/process.js'

before(ensureBuild)

function workspace(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-mfa-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const env = { DATABASE_URL: `sqlite:${join(dir, 'g.db')}`, LOG_LEVEL: 'silent' }
  const bytes = () =>
    Buffer.concat(
      readdirSync(dir)
        .filter((f) => f.startsWith('g.db'))
        .map((f) => readFileSync(join(dir, f))),
    )
  return { dir, env, bytes }
}

test('cli: users mfa-reset removes the factor (exit 0, audited); an unknown user exits 1', async (t) => {
  const { dir, env } = workspace(t)
  const clock = testClock(new Date())
  const { app } = await buildTestApp(t, env, { clock })
  const alice = await aliceWithTotp(app, clock)
  assert.equal((await passwordGrant(app)).statusCode, 403, 'control: MFA is on')
  const r = await cli(dir, env, ['users', 'mfa-reset', 'alice'])
  assert.equal(r.code, 0, r.stderr)
  assert.match(r.stdout, /reset MFA of alice/)
  assert.deepEqual((await me(app, alice.tokens.access_token)).json().mfa, { totp: false })
  assert.equal((await passwordGrant(app)).statusCode, 200)
  assert.equal((await cli(dir, env, ['users', 'mfa-reset', 'alice'])).code, 1, 'nothing left to reset')
  assert.equal((await cli(dir, env, ['users', 'mfa-reset', 'nobody'])).code, 1)
})

test('cli: keys reencrypt seals secrets stored in clear, then moves them to a new key; the server keeps working', async (t) => {
  const { dir, env, bytes } = workspace(t)
  assert.equal((await cli(dir, env, ['keys', 'reencrypt'])).code, 2, 'without ENCRYPTION_KEY there is nothing to move to')
  const clock = testClock(new Date())
  let secret: string
  {
    const { app, deps } = await buildTestApp(t, env, { clock })
    secret = (await aliceWithTotp(app, clock)).secret
    await app.close()
    await deps.store.close()
  }
  assert.ok(bytes().includes(secret), 'control: stored in clear without a key')
  const first = randomBytes(32).toString('base64')
  const sealed = await cli(dir, { ...env, ENCRYPTION_KEY: first }, ['keys', 'reencrypt'])
  assert.equal(sealed.code, 0, sealed.stderr)
  assert.match(sealed.stdout, /re-encrypted 2 signing key\(s\) and 1 TOTP secret\(s\)/, "the access tokens' key and the ID tokens' RS256 key")
  assert.ok(!bytes().includes(secret), 'sealed: the secret is no longer in the files in clear')

  const second = randomBytes(32).toString('base64')
  const moved = await cli(dir, { ...env, ENCRYPTION_KEY: second, ENCRYPTION_KEY_PREVIOUS: first }, ['keys', 'reencrypt'])
  assert.equal(moved.code, 0, moved.stderr)
  const again = await cli(dir, { ...env, ENCRYPTION_KEY: second }, ['keys', 'reencrypt'])
  assert.match(again.stdout, /re-encrypted 0 signing key\(s\) and 0 TOTP secret\(s\)/, 'idempotent')

  const { app } = await buildTestApp(t, { ...env, ENCRYPTION_KEY: second }, { clock })
  clock.advance(30)
  const res = await passwordGrant(app, { otp: totpCodeAt(secret, clock()) })
  assert.equal(res.statusCode, 200, `the new key alone opens everything: ${res.body}`)
  await assert.rejects(
    buildTestApp(t, { ...env, ENCRYPTION_KEY: first }),
    /sealed under a key that is not configured/,
    'the old key alone no longer opens the signing key',
  )
})
