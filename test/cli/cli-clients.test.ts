// `gatehouse clients ...` as users run it: the compiled bin, a real process, on a database file.
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { before, test } from 'node:test'
import Database from 'better-sqlite3'
import { clientSecretMatches } from '../../src/oidc/client-secret.js'

const ROOT = join(import.meta.dirname, '..', '..')
const BIN = join(ROOT, 'bin', 'gatehouse.mjs')
before(() => execFileSync(process.execPath, [join(ROOT, 'scripts', 'ensure-build.mjs')], { cwd: ROOT, stdio: 'inherit' }))

test('cli: clients create (secret printed once), list, show, update, rotate-secret, delete; bad input exits 2, unknown ids 1; all audited', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-clients-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const env = { PATH: process.env.PATH ?? '', DATABASE_URL: `sqlite:${join(dir, 'g.db')}`, LOG_LEVEL: 'silent' }
  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, 'clients', ...args], { cwd: dir, env, encoding: 'utf8' })
    return { code: r.status, out: r.stdout, err: r.stderr }
  }

  const made = cli(
    'create',
    'Billing',
    '--confidential',
    '--redirect-uri',
    'https://billing.example.com/cb',
    '--redirect-uri',
    'http://127.0.0.1/cb',
    '--grant',
    'authorization_code',
    '--grant',
    'client_credentials',
    '--json',
  )
  assert.equal(made.code, 0, made.err)
  const c = JSON.parse(made.out)
  assert.deepEqual(c.redirect_uris, ['https://billing.example.com/cb', 'http://127.0.0.1/cb'])
  assert.deepEqual(c.grant_types, ['authorization_code', 'client_credentials'])
  assert.ok(Buffer.from(c.client_secret, 'base64url').length >= 32)

  const bad = cli('create', 'Bad', '--redirect-uri', 'https://a.example/cb#frag', '--redirect-uri', 'http://a.example/cb')
  assert.equal(bad.code, 2)
  assert.match(bad.err, /fragment/)
  assert.match(bad.err, /loopback/)

  const listed = cli('list', '--json')
  assert.equal(listed.code, 0, listed.err)
  assert.deepEqual(
    JSON.parse(listed.out).map((x: { client_id: string }) => x.client_id),
    [c.client_id],
  )
  const shown = cli('show', c.client_id)
  assert.equal(shown.code, 0, shown.err)
  assert.match(shown.out, /name: Billing/)
  assert.ok(!listed.out.includes(c.client_secret) && !shown.out.includes(c.client_secret), 'never shown again')

  assert.equal(cli('update', c.client_id, '--name', 'Billing 2', '--scope', 'openid', '--scope', 'user').code, 0)
  const rotated = cli('rotate-secret', c.client_id)
  assert.equal(rotated.code, 0, rotated.err)
  const fresh = /^client_secret: (\S+)$/m.exec(rotated.out)?.[1]
  assert.ok(fresh && fresh !== c.client_secret)

  const db = new Database(join(dir, 'g.db'), { readonly: true })
  const row = db.prepare('SELECT name, scopes, secret_hash FROM clients WHERE id = ?').get(c.client_id) as { name: string; scopes: string; secret_hash: string }
  assert.equal(row.name, 'Billing 2')
  assert.deepEqual(JSON.parse(row.scopes), ['openid', 'user'])
  assert.equal(clientSecretMatches(c.client_id, fresh, row.secret_hash), true, 'stored hashed: the new secret verifies')
  assert.equal(clientSecretMatches(c.client_id, c.client_secret, row.secret_hash), false, 'the old one does not')
  db.close()

  assert.equal(cli('delete', c.client_id).code, 0)
  const gone = cli('delete', c.client_id)
  assert.equal(gone.code, 1)
  assert.match(gone.err, /no client/)
  assert.equal(cli('show', c.client_id).code, 1)

  const audit = new Database(join(dir, 'g.db'), { readonly: true })
  const types = (audit.prepare('SELECT type, details FROM audit_events ORDER BY id').all() as { type: string; details: string }[]).map((e) => e.type)
  audit.close()
  assert.deepEqual(types, ['client.created', 'client.updated', 'client.secret_rotated', 'client.deleted'])
})
