import type { KeyStore, SigningKeyRow } from '../store.js'
import { type Db, LOCKS, type Sql } from './db.js'

const INSERT = 'INSERT INTO signing_keys (kid, alg, public_jwk, private_jwk, created_at, activates_at, retires_at) VALUES (?, ?, ?, ?, ?, ?, ?)'

export function sqlKeys(d: Db): KeyStore {
  const { toKey } = d.rows
  const enc = d.dialect
  const list = async () => (await d.q('SELECT * FROM signing_keys ORDER BY created_at, activates_at, kid')).map(toKey)
  const insert = (c: Sql, row: SigningKeyRow) =>
    c.run(INSERT, [row.kid, row.alg, row.publicJwk, row.privateJwk, enc.date(row.createdAt), enc.date(row.activatesAt), enc.dateOrNull(row.retiresAt)])
  const keysChanged = (changed: boolean) => {
    if (changed) d.changed({ kind: 'keys' })
    return changed
  }
  return {
    listSigningKeys: list,

    async ensureSigningKey(row, now) {
      // Under the keys lock, check-then-insert is one step across instances starting together.
      await d.tx(async (c) => {
        const live = await c.one('SELECT 1 FROM signing_keys WHERE alg = ? AND (retires_at IS NULL OR retires_at > ?)', [row.alg, enc.date(now)])
        if (!live) await insert(c, row)
      }, LOCKS.keys)
      return list()
    },

    async addSigningKey(row, ifNoKeyCreatedAfter, at) {
      const added = await d.tx(async (c) => {
        if (ifNoKeyCreatedAfter && (await c.one('SELECT 1 FROM signing_keys WHERE alg = ? AND created_at > ?', [row.alg, enc.date(ifNoKeyCreatedAfter)])))
          return null
        // Decided now, under the keys lock: a clock read before the lock (or before generating the
        // key) would take a key that began signing meanwhile for one still waiting.
        const nowMs = at ? at.clock().getTime() : row.createdAt.getTime()
        const now = enc.date(new Date(nowMs))
        // Waiting: activates after now plus the margin (the key ring's reload interval: no instance
        // can have signed with it yet), was not made to sign at once, and is not already retired
        // before its activation. Such a key is retired at its activation, never deleted.
        const cutoff = enc.date(new Date(nowMs + (at?.marginMs ?? 0)))
        const waiting = 'alg = ? AND activates_at > ? AND activates_at > created_at AND (retires_at IS NULL OR retires_at > activates_at)'
        const replaced = (await c.q(`SELECT kid FROM signing_keys WHERE ${waiting} ORDER BY kid`, [row.alg, cutoff])).map((r) => r.kid as string)
        // Every other key still signing now signs until `row` does (never retired in the past):
        // sooner (the usual case), or later, when it was to retire as a replaced key activated (or
        // no key would sign in between). A key that stopped signing (a `--now` rotation overtook
        // it), or was retired at or before its activation, is never revived.
        const until = enc.date(new Date(Math.max(row.activatesAt.getTime(), nowMs)))
        await c.run(
          'UPDATE signing_keys SET retires_at = ? WHERE alg = ? AND activates_at <= ? AND (retires_at IS NULL OR (retires_at > ? AND retires_at > activates_at))',
          [until, row.alg, cutoff, now],
        )
        if (replaced.length > 0) await c.run(`UPDATE signing_keys SET retires_at = activates_at WHERE ${waiting}`, [row.alg, cutoff])
        await insert(c, row)
        return { replaced }
      }, LOCKS.keys)
      keysChanged(added !== null)
      return added
    },

    async replaceSigningKeyPrivate(kid, oldPrivateJwk, newPrivateJwk) {
      const n = await d.run('UPDATE signing_keys SET private_jwk = ? WHERE kid = ? AND private_jwk = ?', [newPrivateJwk, kid, oldPrivateJwk])
      return keysChanged(n === 1)
    },

    async deleteSigningKey(kid, now) {
      const deleted = await d.tx(async (c) => {
        const gone = await c.one('SELECT alg, activates_at, retires_at FROM signing_keys WHERE kid = ?', [kid])
        if (!gone) return false
        await c.run('DELETE FROM signing_keys WHERE kid = ?', [kid])
        // Keys set to retire when the deleted one was to start signing (a `next` key revoked
        // before it signed) would leave nothing signing then: they sign on, until the next key
        // of the alg that will sign, or for good. Only retirements still ahead are moved.
        if (now) {
          await c.run(
            `UPDATE signing_keys SET retires_at = (SELECT MIN(n.activates_at) FROM signing_keys n WHERE n.alg = ? AND n.activates_at > ? AND (n.retires_at IS NULL OR n.retires_at > n.activates_at))
             WHERE alg = ? AND retires_at = ? AND retires_at > activates_at AND retires_at > ?`,
            [gone.alg, gone.activates_at, gone.alg, gone.activates_at, enc.date(now)],
          )
        }
        return true
      }, LOCKS.keys)
      return keysChanged(deleted)
    },

    async purgeSigningKeys(before) {
      const n = await d.run('DELETE FROM signing_keys WHERE retires_at < ?', [enc.date(before)])
      keysChanged(n > 0)
      return n
    },
  }
}
