import { CONSENT_COLS } from '../rows.js'
import type { Consent, ConsentStore } from '../store.js'
import { audited } from './audit.js'
import type { Db } from './db.js'

const BY_KEY = `SELECT ${CONSENT_COLS} FROM consents WHERE user_id = ? AND client_id = ?`
const INSERT = 'INSERT INTO consents (user_id, client_id, scopes, granted_at) VALUES (?, ?, ?, ?) ON CONFLICT (user_id, client_id) DO NOTHING'
const WIDEN = 'UPDATE consents SET scopes = ?, granted_at = ? WHERE user_id = ? AND client_id = ?'
const LIST = `SELECT ${CONSENT_COLS} FROM consents WHERE user_id = ? ORDER BY granted_at DESC, client_id`
const END_SESSIONS = 'UPDATE sessions SET ended_at = ? WHERE user_id = ? AND client_id = ? AND ended_at IS NULL RETURNING id'

/** In the order first granted, each once. */
const union = (had: readonly string[], added: readonly string[]) => [...new Set([...had, ...added])]

export function sqlConsents(d: Db): ConsentStore {
  const { toConsent } = d.rows
  const enc = d.dialect
  const BY_KEY_LOCKED = `${BY_KEY}${enc.forUpdate()}`
  // The user and the client first (shared), as their deletion takes them before it cascades: a
  // revocation and a deletion then queue instead of deadlocking (see sql/authorization-codes.ts).
  const LOCK_PARENTS = `SELECT u.id FROM users u, clients c WHERE u.id = ? AND c.id = ?${enc.forKeyShare('u, c')}`
  return {
    grantConsent(userId, clientId, scopes, now, audit) {
      // Read, merge and write under the row's lock, so concurrent widenings both land. Of two
      // concurrent first grants one inserts; the other's insert does nothing, and it widens that row.
      return audited(
        d,
        audit,
        (_c, tx) =>
          tx(async (c): Promise<Consent> => {
            for (let attempt = 1; ; attempt++) {
              const r = await c.one(BY_KEY_LOCKED, [userId, clientId])
              if (r) {
                const widened = { userId, clientId, scopes: union(toConsent(r).scopes, scopes), grantedAt: now }
                await c.run(WIDEN, [enc.list(widened.scopes), enc.date(now), userId, clientId])
                return widened
              }
              const fresh = { userId, clientId, scopes: union([], scopes), grantedAt: now }
              if ((await c.run(INSERT, [userId, clientId, enc.list(fresh.scopes), enc.date(now)])) === 1) return fresh
              // The row that won the insert was revoked before we could read it: start over, a few times.
              if (attempt >= 3) throw new Error('grantConsent: the consent kept changing under a concurrent grant and revoke')
            }
          }),
        () => true,
      )
    },

    async findConsent(userId, clientId) {
      const r = await d.one(BY_KEY, [userId, clientId])
      return r ? toConsent(r) : null
    },

    async listConsents(userId) {
      return (await d.q(LIST, [userId])).map(toConsent)
    },

    async revokeConsent(userId, clientId, now, audit) {
      const ended: string[] = []
      const n = await audited(
        d,
        audit ? (n: number | null) => audit(n ?? 0) : undefined,
        (_c, tx) =>
          tx(async (c) => {
            ended.length = 0 // a retried transaction starts over
            await c.one(LOCK_PARENTS, [userId, clientId])
            if ((await c.run('DELETE FROM consents WHERE user_id = ? AND client_id = ?', [userId, clientId])) !== 1) return null
            // Codes first: a redemption in flight holds its code's row, so this waits for it and the
            // session it created is then ended below; one not yet begun finds no code.
            await c.run('DELETE FROM authorization_codes WHERE user_id = ? AND client_id = ?', [userId, clientId])
            for (const r of await c.q(END_SESSIONS, [enc.date(now), userId, clientId])) ended.push(r.id as string)
            return ended.length
          }),
        (n) => n !== null,
      )
      for (const s of ended) d.changed({ kind: 'session', id: s })
      return n
    },
  }
}
