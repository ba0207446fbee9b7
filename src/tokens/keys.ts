import { createHash, createSecretKey, type KeyObject } from 'node:crypto'
import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose'
import type { JwtAlg } from '../config.js'
import type { SecretBox } from '../crypto/secret-box.js'
import type { KeyStore, SigningKeyRow } from '../store/store.js'

type Key = CryptoKey | KeyObject

export type KeyState = 'next' | 'active' | 'retired'

export interface KeyInfo {
  kid: string
  alg: string
  state: KeyState
  createdAt: Date
  activatesAt: Date
  retiresAt: Date | null
}

/** The keys this instance signs and verifies with, reloadable from the store while it runs. */
export interface KeyRing {
  readonly alg: JwtAlg
  /** The key new tokens are signed with at `now`: the newest active one. Null when none is loaded. */
  signing(now: Date): { kid: string; key: Key } | null
  /**
   * @returns the verification key for `kid` at `now`, or null when unknown or past its keep window
   * (retiresAt + keep seconds: whether or not a purge has removed it yet). The token is then rejected.
   */
  verification(kid: string | undefined, now: Date): Key | null
  /**
   * For a `kid` this ring does not know: reloads from the store (at most once a second, however
   * many tokens ask) and returns its key, or null. So a key rotated by another process verifies
   * at once, and random kids cannot turn into a query each.
   */
  resolveUnknown(kid: string | undefined, now: Date): Promise<Key | null>
  /** RFC 7517 key set at `now`: public keys of next, active and recently retired keys. */
  jwks(now: Date): { keys: JWK[] }
  /** The stored keys with their state at `now`, oldest first. */
  list(now: Date): KeyInfo[]
  /** Re-reads the store now. */
  reload(): Promise<void>
  /** Re-reads the store when the last read is older than `maxAgeMs` (JWKS and key lists: another process may have rotated). */
  refresh(maxAgeMs: number): Promise<void>
  /** Stops the periodic reload. */
  close(): void
}

export interface KeyRingOptions {
  alg: JwtAlg
  /** HS256 only: the configured secret, never stored. */
  secret: string | null
  /** A retired key stays published and verifying this long after it stops signing. */
  retiredKeepSeconds: number
  /** Reload from the store this often (0: never on a timer), to see rotations by other processes. */
  reloadIntervalMs: number
  onReloadError?: (err: unknown) => void
  /** Seals private keys at rest (ENCRYPTION_KEY) and opens them on load. */
  secrets?: SecretBox | null
}

interface LoadedKey {
  row: SigningKeyRow
  verify: Key
  sign: Key
  publicJwk: JWK
}

/** The state of a key at `now`: published but not signing yet, signing, or past signing. */
export function keyState(row: Pick<SigningKeyRow, 'activatesAt' | 'retiresAt'>, now: Date): KeyState {
  const t = now.getTime()
  // A key retired before it ever activated (a `--now` rotation overtook it) will never sign.
  if (row.retiresAt !== null && (t >= row.retiresAt.getTime() || row.retiresAt.getTime() <= row.activatesAt.getTime())) return 'retired'
  if (t < row.activatesAt.getTime()) return 'next'
  return 'active'
}

/**
 * Builds the key ring. Asymmetric algorithms: a key pair is generated on first start and stored
 * (the store's `ensureSigningKey` makes instances that start together agree on one). HS256: the
 * configured secret, never stored, never rotated here.
 */
export async function loadKeyRing(store: KeyStore, o: KeyRingOptions, now: Date): Promise<KeyRing> {
  if (o.alg === 'HS256') return hmacKeyRing(o.secret!)
  const alg = o.alg
  const keepMs = o.retiredKeepSeconds * 1000
  let keys: LoadedKey[] = []
  let byKid = new Map<string, LoadedKey>()

  const load = async (rows: SigningKeyRow[]) => {
    const loaded = await Promise.all(rows.filter((r) => r.alg === alg).map((r) => loadRow(r, o.secrets ?? null)))
    keys = loaded
    byKid = new Map(loaded.map((k) => [k.row.kid, k]))
  }
  let initial = await store.listSigningKeys()
  if (!initial.some((r) => r.alg === alg && keyState(r, now) !== 'retired')) {
    initial = await store.ensureSigningKey(await generateKeyRow(alg, now, now, o.secrets ?? null), now)
  }
  await load(initial)

  let lastReload = Date.now()
  let inFlight: Promise<void> | null = null
  const reload = (): Promise<void> => {
    inFlight ??= (async () => {
      try {
        await load(await store.listSigningKeys())
      } finally {
        lastReload = Date.now()
        inFlight = null
      }
    })()
    return inFlight
  }
  const timer =
    o.reloadIntervalMs > 0
      ? setInterval(() => {
          reload().catch((err: unknown) => o.onReloadError?.(err))
        }, o.reloadIntervalMs)
      : null
  timer?.unref()
  const published = (k: LoadedKey, t: number) => k.row.retiresAt === null || t < k.row.retiresAt.getTime() + keepMs
  // Verifies exactly while published: a retired key past its keep window verifies nothing, purged or not.
  const verifying = (kid: string | undefined, at: Date): Key | null => {
    const k = kid === undefined ? undefined : byKid.get(kid)
    return k && published(k, at.getTime()) ? k.verify : null
  }

  return {
    alg,
    signing(at) {
      const t = at.getTime()
      let best: LoadedKey | null = null
      for (const k of keys) {
        if (keyState(k.row, at) !== 'active') continue
        if (!best || k.row.activatesAt.getTime() > best.row.activatesAt.getTime()) best = k
      }
      return best && published(best, t) ? { kid: best.row.kid, key: best.sign } : null
    },
    verification: (kid, at) => verifying(kid, at),
    async resolveUnknown(kid, at) {
      if (kid === undefined) return null
      if (!byKid.has(kid) && (inFlight || Date.now() - lastReload >= 1000)) await reload()
      return verifying(kid, at)
    },
    jwks(at) {
      const t = at.getTime()
      return { keys: keys.filter((k) => published(k, t)).map((k) => ({ ...k.publicJwk, kid: k.row.kid, alg, use: 'sig' })) }
    },
    list: (at) => keys.map((k) => ({ ...infoOf(k.row), state: keyState(k.row, at) })),
    reload,
    refresh: async (maxAgeMs) => {
      if (Date.now() - lastReload >= maxAgeMs) await reload()
    },
    close: () => {
      if (timer) clearInterval(timer)
    },
  }
}

/** The binding of a sealed private key to its row (see SecretBox). */
export const keyBinding = (kid: string) => `key:${kid}`
const sealPrivateJwk = (secrets: SecretBox | null, kid: string, jwk: string) => (secrets ? secrets.seal(jwk, keyBinding(kid)) : jwk)
/** A stored private key, sealed or in clear (keys stored before ENCRYPTION_KEY was set). */
export const openPrivateJwk = (secrets: SecretBox | null, r: Pick<SigningKeyRow, 'kid' | 'privateJwk'>) =>
  secrets ? secrets.open(r.privateJwk, keyBinding(r.kid)) : r.privateJwk

const infoOf = (r: SigningKeyRow) => ({ kid: r.kid, alg: r.alg, createdAt: r.createdAt, activatesAt: r.activatesAt, retiresAt: r.retiresAt })

/** A new key pair as a store row, published from `now` and signing from `activatesAt`. */
export async function generateKeyRow(alg: Exclude<JwtAlg, 'HS256'>, now: Date, activatesAt: Date, secrets: SecretBox | null = null): Promise<SigningKeyRow> {
  const opts = alg === 'EdDSA' ? { crv: 'Ed25519', extractable: true } : alg === 'RS256' ? { modulusLength: 2048, extractable: true } : { extractable: true }
  const { publicKey, privateKey } = await generateKeyPair(alg, opts)
  const publicJwk = await exportJWK(publicKey)
  // RFC 7638 thumbprint: a kid derived from the key itself, stable across instances.
  const kid = await calculateJwkThumbprint(publicJwk)
  return {
    kid,
    alg,
    publicJwk: JSON.stringify(publicJwk),
    privateJwk: sealPrivateJwk(secrets, kid, JSON.stringify(await exportJWK(privateKey))),
    createdAt: now,
    activatesAt,
    retiresAt: null,
  }
}

async function loadRow(r: SigningKeyRow, secrets: SecretBox | null): Promise<LoadedKey> {
  const publicJwk = JSON.parse(r.publicJwk) as JWK
  return {
    row: r,
    publicJwk,
    verify: (await importJWK(publicJwk, r.alg)) as Key,
    sign: (await importJWK(JSON.parse(openPrivateJwk(secrets, r)) as JWK, r.alg)) as Key,
  }
}

function hmacKeyRing(secret: string): KeyRing {
  const key = createSecretKey(Buffer.from(secret, 'utf8'))
  // A kid that changes when the secret does, without revealing anything usable about it.
  const kid = `hs256-${createHash('sha256').update(`gatehouse kid\0${secret}`).digest('base64url').slice(0, 12)}`
  const epoch = new Date(0)
  return {
    alg: 'HS256',
    signing: () => ({ kid, key }),
    verification: (k) => (k === kid ? key : null),
    resolveUnknown: async (k) => (k === kid ? key : null),
    // A shared secret is never published.
    jwks: () => ({ keys: [] }),
    list: () => [{ kid, alg: 'HS256', state: 'active', createdAt: epoch, activatesAt: epoch, retiresAt: null }],
    reload: async () => {},
    refresh: async () => {},
    close: () => {},
  }
}
