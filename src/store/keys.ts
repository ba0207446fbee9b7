/** Signing keys: JWKs with the times that move them from next to active to retired. */

export interface SigningKeyRow {
  kid: string
  alg: string
  /** Public JWK (JSON text). */
  publicJwk: string
  /** Private JWK (JSON text). Leaves the store only to build the key ring. */
  privateJwk: string
  createdAt: Date
  /** Published in JWKS from creation; signs only from this time on. */
  activatesAt: Date
  /** Stops signing at this time; still published until every token it signed has expired. */
  retiresAt: Date | null
}

export interface KeyStore {
  /** Every stored signing key, oldest first (by creation, then activation). */
  listSigningKeys(): Promise<SigningKeyRow[]>
  /**
   * Inserts `row` unless a key for `row.alg` that is not retired at `now` already exists, atomically,
   * so instances starting together agree on one key. @returns the keys afterwards, oldest first.
   */
  ensureSigningKey(row: SigningKeyRow, now: Date): Promise<SigningKeyRow[]>
  /**
   * Rotation, atomic, decided under the keys lock as of `at.clock()` (by default `row.createdAt`):
   * keys of `row.alg` still waiting to sign (activating more than `at.marginMs` after that, the
   * key ring's reload interval, and not made to sign at once) are replaced: retired
   * at their activation, so they never sign, and named. Left alone, each would sign for just the
   * moment between its activation and the newer key's. Never deleted: a key another instance may
   * already sign with stays published. Then every other key still signing then
   * retires at `row.activatesAt` (so one key signs at every moment), and `row` is added. With
   * `ifNoKeyCreatedAfter`, nothing happens when a key of that alg was created after it (so
   * instances rotating on a timer rotate once).
   * @returns the kids replaced, or null when skipped.
   */
  addSigningKey(row: SigningKeyRow, ifNoKeyCreatedAfter?: Date, at?: { clock: () => Date; marginMs: number }): Promise<{ replaced: string[] } | null>
  /** Re-encryption, compare-and-swap: replaces the private JWK only while it still equals `oldPrivateJwk`. */
  replaceSigningKeyPrivate(kid: string, oldPrivateJwk: string, newPrivateJwk: string): Promise<boolean>
  /**
   * Revocation of a compromised key: deleted at once, whatever its times. With `now`, keys that
   * were to retire when it began signing (retirements still ahead) sign on until the next key
   * that will sign, so nothing stops signing. @returns false when absent.
   */
  deleteSigningKey(kid: string, now?: Date): Promise<boolean>
  /** Deletes keys retired before `before` (no token they signed can still be valid). @returns how many. */
  purgeSigningKeys(before: Date): Promise<number>
}
