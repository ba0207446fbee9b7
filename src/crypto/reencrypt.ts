import { totpBinding } from '../authn/factors/totp.js'
import type { KeyStore, MfaStore } from '../store/store.js'
import { keyBinding } from '../tokens/keys.js'
import type { SecretBox } from './secret-box.js'

/**
 * `gatehouse keys reencrypt`: every secret at rest (TOTP secrets, private signing keys) sealed
 * under the current ENCRYPTION_KEY, opened with whichever configured key sealed it (or read in
 * clear). Each row is a compare-and-swap, so a concurrent change (a user re-enrolling) is never
 * overwritten; run it again until it reports nothing left. Idempotent.
 */
export async function reencryptSecrets(deps: { store: MfaStore & KeyStore; secrets: SecretBox }): Promise<{ totp: number; keys: number; skipped: number }> {
  const out = { totp: 0, keys: 0, skipped: 0 }
  for (const k of await deps.store.listSigningKeys()) {
    if (deps.secrets.isCurrent(k.privateJwk)) continue
    const sealed = deps.secrets.seal(deps.secrets.open(k.privateJwk, keyBinding(k.kid)), keyBinding(k.kid))
    if (await deps.store.replaceSigningKeyPrivate(k.kid, k.privateJwk, sealed)) out.keys++
    else out.skipped++
  }
  for (let after = ''; ; ) {
    const page = await deps.store.listTotpSecrets(after, 500)
    if (page.length === 0) break
    for (const f of page) {
      if (deps.secrets.isCurrent(f.secret)) continue
      const sealed = deps.secrets.seal(deps.secrets.open(f.secret, totpBinding(f.userId)), totpBinding(f.userId))
      if (await deps.store.replaceTotpSecret(f.userId, f.secret, sealed)) out.totp++
      else out.skipped++
    }
    after = page.at(-1)!.userId
  }
  return out
}
