import type { KeyStore, SigningKeyRow } from '../store.js'
import { type Row, type SqliteDb, toKey } from './sqlite-db.js'

export function sqliteKeys(d: SqliteDb): KeyStore {
  const list = () => (d.q('SELECT * FROM signing_keys ORDER BY created_at, activates_at, kid').all() as Row[]).map(toKey)
  const insert = (row: SigningKeyRow) =>
    d
      .q('INSERT INTO signing_keys (kid, alg, public_jwk, private_jwk, created_at, activates_at, retires_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(row.kid, row.alg, row.publicJwk, row.privateJwk, row.createdAt.getTime(), row.activatesAt.getTime(), row.retiresAt?.getTime() ?? null)
  return {
    async listSigningKeys() {
      return list()
    },

    async ensureSigningKey(row, now) {
      d.tx(() => {
        const live = d.q('SELECT 1 FROM signing_keys WHERE alg = ? AND (retires_at IS NULL OR retires_at > ?)').get(row.alg, now.getTime())
        if (!live) insert(row)
      })
      return list()
    },

    async addSigningKey(row, ifNoKeyCreatedAfter) {
      return d.tx(() => {
        if (ifNoKeyCreatedAfter && d.q('SELECT 1 FROM signing_keys WHERE alg = ? AND created_at > ?').get(row.alg, ifNoKeyCreatedAfter.getTime())) return false
        const at = row.activatesAt.getTime()
        d.q('UPDATE signing_keys SET retires_at = ? WHERE alg = ? AND (retires_at IS NULL OR retires_at > ?)').run(at, row.alg, at)
        insert(row)
        return true
      })
    },

    async purgeSigningKeys(before) {
      return d.q('DELETE FROM signing_keys WHERE retires_at < ?').run(before.getTime()).changes
    },
  }
}
