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
   * Rotation, atomic: every key of `row.alg` still signing at `row.activatesAt` retires then, and
   * `row` is added. With `ifNoKeyCreatedAfter`, nothing happens when a key of that alg was created
   * after it (so instances rotating on a timer rotate once). @returns false when skipped.
   */
  addSigningKey(row: SigningKeyRow, ifNoKeyCreatedAfter?: Date): Promise<boolean>
  /** Deletes keys retired before `before` (no token they signed can still be valid). @returns how many. */
  purgeSigningKeys(before: Date): Promise<number>
}
