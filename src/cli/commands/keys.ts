import type { Command } from 'commander'
import { createKeyRing } from '../../deps/create.js'
import { KEY_RELOAD_MS } from '../../tokens/key-policy.js'
import { CLI_META } from '../../events/events.js'
import { type KeyInfo, keyState } from '../../tokens/keys.js'
import { reencryptSecrets } from '../../crypto/reencrypt.js'
import { RotationUnsupportedError, revokeSigningKey, rotateSigningKey } from '../../tokens/rotation.js'
import { CommandFailed, type Env, printTable, UsageError, withBase } from '../context.js'

const iso = (d: Date | null) => d?.toISOString() ?? '-'

export function registerKeysCommands(program: Command, env: Env, out: (line: string) => void): void {
  const keys = program.command('keys').description('list, rotate and revoke signing keys')

  keys
    .command('list')
    .description('the signing keys and their states (next, active, retired)')
    .option('--json', 'one JSON array')
    .action(async (opts: { json?: boolean }) => {
      await withBase(env, { publishesChanges: false }, async (base) => {
        // Straight from the store: listing neither generates a key nor imports any private key.
        const now = base.clock()
        const list: KeyInfo[] = (await base.store.listSigningKeys()).map((r) => ({ ...r, state: keyState(r, now) }))
        if (opts.json) return out(JSON.stringify(list.map(view)))
        printTable(
          [
            ['KID', 'ALG', 'STATE', 'CREATED', 'SIGNS FROM', 'RETIRES'],
            ...list.map((k) => [k.kid, k.alg, k.state, iso(k.createdAt), iso(k.activatesAt), iso(k.retiresAt)]),
          ],
          out,
        )
      })
    })

  keys
    .command('rotate')
    .description(
      'add a new signing key: published now, signing after KEY_PUBLISH_LEAD; the old key stays published until its tokens expire; a next key still waiting is replaced',
    )
    .option('--now', 'sign with the new key at once (verifiers that cached the old key set re-fetch it on the unknown kid)')
    .action(async (opts: { now?: boolean }) => {
      await withBase(env, { publishesChanges: true }, async (base) => {
        const ring = await createKeyRing(base.config, base.store, base.clock, base.log)
        try {
          const key = await rotateSigningKey({ ...base, keys: ring }, { immediately: opts.now === true, actorId: null, meta: CLI_META })
          const replaced = key!.replaced.length > 0 ? `; replaces ${key!.replaced.join(', ')}, which was waiting to sign and never did` : ''
          out(
            `new key ${key!.kid} (${key!.alg}) published; signs from ${key!.activatesAt.toISOString()}${replaced}; running servers pick it up within ${KEY_RELOAD_MS / 1000} s`,
          )
        } catch (err) {
          if (err instanceof RotationUnsupportedError) throw new CommandFailed(err.message)
          throw err
        } finally {
          ring.close()
        }
      })
    })

  keys
    .command('reencrypt')
    .description('seal every secret at rest (TOTP secrets, private signing keys) under ENCRYPTION_KEY, opening old ones with ENCRYPTION_KEY_PREVIOUS')
    .action(async () => {
      await withBase(env, { publishesChanges: true }, async (base) => {
        if (!base.secrets.encrypting) throw new UsageError('ENCRYPTION_KEY is not set: there is no key to move to')
        const r = await reencryptSecrets(base)
        out(`re-encrypted ${r.keys} signing key(s) and ${r.totp} TOTP secret(s)${r.skipped ? `; ${r.skipped} changed meanwhile: run it again` : ''}`)
        if (r.skipped) throw new CommandFailed('some rows changed while re-encrypting')
      })
    })

  keys
    .command('revoke')
    .argument('<kid>', 'the key to drop (see keys list)')
    // A kid is an RFC 7638 thumbprint in base64url: one in 64 begins with "-", which commander would
    // take for an option. This command has no options of its own, so a dash-led word is the kid.
    .allowUnknownOption()
    .description(
      'drop a compromised key at once: it leaves the JWKS and every token it signed stops verifying; revoking the active key makes a new one active first',
    )
    .action(async (kid: string) => {
      await withBase(env, { publishesChanges: true }, async (base) => {
        const ring = await createKeyRing(base.config, base.store, base.clock, base.log)
        try {
          if (!(await revokeSigningKey({ ...base, keys: ring }, kid, { actorId: null, meta: CLI_META }))) throw new CommandFailed(`no signing key ${kid}`)
          out(`key ${kid} revoked; running servers drop it at once with REDIS_URL, else within ${KEY_RELOAD_MS / 1000} s`)
        } catch (err) {
          if (err instanceof RotationUnsupportedError) throw new CommandFailed('JWT_ALG=HS256 signs with JWT_SECRET; revoke by changing the secret')
          throw err
        } finally {
          ring.close()
        }
      })
    })
}

const view = (k: KeyInfo) => ({
  kid: k.kid,
  alg: k.alg,
  state: k.state,
  created_at: iso(k.createdAt),
  activates_at: iso(k.activatesAt),
  retires_at: k.retiresAt?.toISOString() ?? null,
})
