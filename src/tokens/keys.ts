import { createHash, createSecretKey, type KeyObject } from 'node:crypto'
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose'
import type { JwtAlg } from '../config.js'
import type { SigningKeyRow, Store } from '../store/store.js'

type Key = CryptoKey | KeyObject

/** The keys this instance signs and verifies with. Built once at start from the store. */
export interface KeyRing {
  readonly alg: JwtAlg
  /** The key new tokens are signed with. */
  signing(): { kid: string; key: Key }
  /** @returns the verification key for `kid`, or null when unknown (the token is then rejected). */
  verification(kid: string | undefined): Key | null
  /** RFC 7517 key set: public keys only (an HS256 secret is never published, so it is empty). */
  jwks(): { keys: JWK[] }
}

interface LoadedKey {
  kid: string
  verify: Key
  sign: Key
  publicJwk: JWK
  activatesAt: number
  retiresAt: number | null
}

/**
 * Builds the key ring. Asymmetric algorithms: a key pair is generated on first start and stored
 * (the store's `ensureSigningKey` makes instances that start together agree on one). HS256: the
 * configured secret, never stored.
 */
export async function loadKeyRing(store: Store, alg: JwtAlg, secret: string | null, now: Date): Promise<KeyRing> {
  if (alg === 'HS256') return hmacKeyRing(secret!)
  let rows = (await store.listSigningKeys()).filter((r) => r.alg === alg)
  if (!rows.some((r) => r.retiresAt === null || r.retiresAt.getTime() > now.getTime())) {
    rows = (await store.ensureSigningKey(await generateKeyRow(alg, now), now)).filter((r) => r.alg === alg)
  }
  const keys = await Promise.all(rows.map(loadRow))
  const signer = pickSigner(keys, now.getTime())
  const byKid = new Map(keys.map((k) => [k.kid, k.verify]))
  return {
    alg,
    signing: () => ({ kid: signer.kid, key: signer.sign }),
    verification: (kid) => (kid === undefined ? null : (byKid.get(kid) ?? null)),
    jwks: () => ({ keys: keys.map((k) => ({ ...k.publicJwk, kid: k.kid, alg, use: 'sig' })) }),
  }
}

/** Newest key that is active and not retired: a key is published before it ever signs. */
function pickSigner(keys: LoadedKey[], now: number): LoadedKey {
  const usable = keys.filter((k) => k.activatesAt <= now && (k.retiresAt === null || k.retiresAt > now))
  const signer = usable.at(-1)
  if (!signer) throw new Error('no usable signing key')
  return signer
}

async function generateKeyRow(alg: Exclude<JwtAlg, 'HS256'>, now: Date): Promise<SigningKeyRow> {
  const opts = alg === 'EdDSA' ? { crv: 'Ed25519', extractable: true } : alg === 'RS256' ? { modulusLength: 2048, extractable: true } : { extractable: true }
  const { publicKey, privateKey } = await generateKeyPair(alg, opts)
  const publicJwk = await exportJWK(publicKey)
  // RFC 7638 thumbprint: a kid derived from the key itself, stable across instances.
  const kid = await calculateJwkThumbprint(publicJwk)
  return {
    kid,
    alg,
    publicJwk: JSON.stringify(publicJwk),
    privateJwk: JSON.stringify(await exportJWK(privateKey)),
    createdAt: now,
    activatesAt: now,
    retiresAt: null,
  }
}

async function loadRow(r: SigningKeyRow): Promise<LoadedKey> {
  const publicJwk = JSON.parse(r.publicJwk) as JWK
  return {
    kid: r.kid,
    publicJwk,
    verify: (await importJWK(publicJwk, r.alg)) as Key,
    sign: (await importJWK(JSON.parse(r.privateJwk) as JWK, r.alg)) as Key,
    activatesAt: r.activatesAt.getTime(),
    retiresAt: r.retiresAt?.getTime() ?? null,
  }
}

function hmacKeyRing(secret: string): KeyRing {
  const key = createSecretKey(Buffer.from(secret, 'utf8'))
  // A kid that changes when the secret does, without revealing anything usable about it.
  const kid = `hs256-${createHash('sha256').update(`gatehouse kid\0${secret}`).digest('base64url').slice(0, 12)}`
  return {
    alg: 'HS256',
    signing: () => ({ kid, key }),
    verification: (k) => (k === kid ? key : null),
    jwks: () => ({ keys: [] }),
  }
}
