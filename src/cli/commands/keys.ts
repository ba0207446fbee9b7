import { type Command, Option } from 'commander'
import type { JwtAlg } from '../../config.js'
import { createKeyRings } from '../../deps/create.js'
import { closeRings } from '../../tokens/key-rings.js'
import { KEY_RELOAD_MS } from '../../tokens/key-policy.js'
import { CLI_META } from '../../events/events.js'
import { type KeyInfo, keyState } from '../../tokens/keys.js'
import { reencryptSecrets } from '../../crypto/reencrypt.js'
import { KeyAlgNotInUseError, type RotatedKey, RotationUnsupportedError, revokeSigningKey, rotateSigningKey, rotateSigningKeys } from '../../tokens/rotation.js'
import { CommandFailed, type Env, printTable, UsageError, withBase } from '../context.js'

const iso = (d: Date | null) => d?.toISOString() ?? '-'

export function registerKeysCommands(program: Command, env: Env, out: (line: string) => void): void {
  const keys = program.command('keys').description('list, rotate and revoke signing keys')

  keys
    .command('list')
    .description("the signing keys and their states (next, active, retired): the access tokens' (JWT_ALG) and the ID tokens' (RS256), each with its alg")
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
      "add new signing keys, the access tokens' and the ID tokens' (RS256): published now, signing after KEY_PUBLISH_LEAD; the old keys stay published until their tokens expire; a next key still waiting is replaced",
    )
    .option('--now', 'sign with the new key at once (verifiers that cached the old key set re-fetch it on the unknown kid)')
    .addOption(
      new Option('--alg <alg>', 'rotate only the ring of this algorithm (JWT_ALG: access tokens; RS256: ID tokens)').choices(['EdDSA', 'ES256', 'RS256']),
    )
    .action(async (opts: { now?: boolean; alg?: JwtAlg }) => {
      await withBase(env, { publishesChanges: true }, async (base) => {
        const rings = await createKeyRings(base.config, base.store, base.clock, base.log)
        const by = { immediately: opts.now === true, actorId: null, meta: CLI_META }
        const lag = `; running servers pick it up within ${KEY_RELOAD_MS / 1000} s`
        try {
          if (opts.alg) return out(`${described('new key', (await rotateSigningKey({ ...base, ...rings }, { ...by, alg: opts.alg }))!)}${lag}`)
          const { access, idToken } = await rotateSigningKeys({ ...base, ...rings }, by)
          // The first line is the access-token key's, as before the ID-token ring existed.
          out(`${described('new key', access)}${lag}`)
          out(idToken === access ? 'ID tokens are signed with the same key (JWT_ALG=RS256)' : described('new ID-token key', idToken))
        } catch (err) {
          if (err instanceof RotationUnsupportedError) throw new CommandFailed(`${err.message}; rotate the ID-token key with --alg RS256`)
          if (err instanceof KeyAlgNotInUseError) throw new UsageError(err.message)
          throw err
        } finally {
          closeRings(rings)
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
      'drop a compromised key (access tokens or ID tokens) at once: it leaves the JWKS and every token it signed stops verifying; revoking an active key makes a new one of its ring active first',
    )
    .action(async (kid: string) => {
      await withBase(env, { publishesChanges: true }, async (base) => {
        const rings = await createKeyRings(base.config, base.store, base.clock, base.log)
        try {
          if (!(await revokeSigningKey({ ...base, ...rings }, kid, { actorId: null, meta: CLI_META }))) throw new CommandFailed(`no signing key ${kid}`)
          out(`key ${kid} revoked; running servers drop it at once with REDIS_URL, else within ${KEY_RELOAD_MS / 1000} s`)
        } catch (err) {
          if (err instanceof RotationUnsupportedError) throw new CommandFailed('JWT_ALG=HS256 signs with JWT_SECRET; revoke by changing the secret')
          throw err
        } finally {
          closeRings(rings)
        }
      })
    })
}

/** "new key K (ALG) published; signs from T", naming the next key it replaced, if any. */
const described = (what: string, k: RotatedKey) =>
  `${what} ${k.kid} (${k.alg}) published; signs from ${k.activatesAt.toISOString()}${k.replaced.length > 0 ? `; replaces ${k.replaced.join(', ')}, which was waiting to sign and never did` : ''}`

const view = (k: KeyInfo) => ({
  kid: k.kid,
  alg: k.alg,
  state: k.state,
  created_at: iso(k.createdAt),
  activates_at: iso(k.activatesAt),
  retires_at: k.retiresAt?.toISOString() ?? null,
})
