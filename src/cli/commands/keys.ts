import type { Command } from 'commander'
import { createKeyRing, KEY_RELOAD_MS } from '../../deps.js'
import { CLI_META } from '../../events/events.js'
import { type KeyInfo, keyState } from '../../tokens/keys.js'
import { RotationUnsupportedError, rotateSigningKey } from '../../tokens/rotation.js'
import { CommandFailed, type Env, printTable, withBase } from '../context.js'

const iso = (d: Date | null) => d?.toISOString() ?? '-'

export function registerKeysCommands(program: Command, env: Env, out: (line: string) => void): void {
  const keys = program.command('keys').description('list and rotate signing keys')

  keys
    .command('list')
    .description('the signing keys and their states (next, active, retired)')
    .option('--json', 'one JSON array')
    .action(async (opts: { json?: boolean }) => {
      await withBase(env, async (base) => {
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
    .description('add a new signing key: published now, signing after KEY_PUBLISH_LEAD; the old key stays published until its tokens expire')
    .option('--now', 'sign with the new key at once (verifiers that cached the old key set re-fetch it on the unknown kid)')
    .action(async (opts: { now?: boolean }) => {
      await withBase(env, async (base) => {
        const ring = await createKeyRing(base.config, base.store, base.clock, base.log)
        try {
          const key = await rotateSigningKey({ ...base, keys: ring }, { immediately: opts.now === true, actorId: null, meta: CLI_META })
          out(
            `new key ${key!.kid} (${key!.alg}) published; signs from ${key!.activatesAt.toISOString()}; running servers pick it up within ${KEY_RELOAD_MS / 1000} s`,
          )
        } catch (err) {
          if (err instanceof RotationUnsupportedError) throw new CommandFailed(err.message)
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
