import type { KeyStore, SigningKeyRow } from '../store.js'
import { LOCKS, type PgDb, type Queryable, toKey } from './pg-db.js'

export function postgresKeys(d: PgDb): KeyStore {
  const list = async () => (await d.q('SELECT * FROM signing_keys ORDER BY created_at, activates_at, kid')).map(toKey)
  const insert = (row: SigningKeyRow, c: Queryable) =>
    d.q(
      'INSERT INTO signing_keys (kid, alg, public_jwk, private_jwk, created_at, activates_at, retires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [row.kid, row.alg, row.publicJwk, row.privateJwk, row.createdAt, row.activatesAt, row.retiresAt],
      c,
    )
  return {
    listSigningKeys: list,

    async ensureSigningKey(row, now) {
      // The advisory lock makes check-then-insert one step across instances starting together.
      await d.tx(async (c) => {
        const live = await d.one('SELECT 1 FROM signing_keys WHERE alg = $1 AND (retires_at IS NULL OR retires_at > $2)', [row.alg, now], c)
        if (!live) await insert(row, c)
      }, LOCKS.keys)
      return list()
    },

    async addSigningKey(row, ifNoKeyCreatedAfter) {
      const added = await d.tx(async (c) => {
        if (ifNoKeyCreatedAfter && (await d.one('SELECT 1 FROM signing_keys WHERE alg = $1 AND created_at > $2', [row.alg, ifNoKeyCreatedAfter], c)))
          return false
        await d.q('UPDATE signing_keys SET retires_at = $1 WHERE alg = $2 AND (retires_at IS NULL OR retires_at > $1)', [row.activatesAt, row.alg], c)
        await insert(row, c)
        return true
      }, LOCKS.keys)
      if (added) d.changed({ kind: 'keys' })
      return added
    },

    async purgeSigningKeys(before) {
      const r = await d.q('DELETE FROM signing_keys WHERE retires_at < $1 RETURNING kid', [before])
      if (r.length > 0) d.changed({ kind: 'keys' })
      return r.length
    },
  }
}
