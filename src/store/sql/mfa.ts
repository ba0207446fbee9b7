import type { MfaStore } from '../store.js'
import { audited } from './audit.js'
import type { Db, Sql } from './db.js'

export function sqlMfa(d: Db): MfaStore {
  const { toTotp } = d.rows
  const enc = d.dialect
  // Replaces only an unconfirmed factor: with a confirmed one the upsert's WHERE is false and nothing changes.
  const SAVE_PENDING = `INSERT INTO totp_factors (user_id, secret, confirmed_at, last_used_step, created_at) VALUES (?, ?, NULL, NULL, ?)
    ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at, last_used_step = NULL
    WHERE totp_factors.confirmed_at IS NULL`
  // WHERE true: SQLite's parser needs it before ON CONFLICT after INSERT ... SELECT.
  const INSERT_CODES = `INSERT INTO recovery_codes (user_id, code_hash, created_at) SELECT ?, v.value, ? FROM ${enc.listTable} WHERE true ON CONFLICT DO NOTHING`
  const replaceCodes = async (c: Sql, userId: string, hashes: readonly string[], now: Date) => {
    await c.run('DELETE FROM recovery_codes WHERE user_id = ?', [userId])
    if (hashes.length > 0) await c.run(INSERT_CODES, [userId, enc.date(now), enc.list(hashes)])
  }
  const setEnabled = (c: Sql, userId: string, on: boolean, now: Date) =>
    c.run('UPDATE users SET totp_enabled = ?, updated_at = ? WHERE id = ?', [enc.bool(on), enc.date(now), userId])
  /** totp_enabled is part of User: cached sessions carry it, so every instance drops them. */
  const userChanged = (userId: string, changed: boolean) => {
    if (changed) d.changed({ kind: 'user', id: userId })
    return changed
  }

  return {
    async savePendingTotp(userId, secret, now) {
      return (await d.run(SAVE_PENDING, [userId, secret, enc.date(now)])) === 1
    },

    async findTotp(userId) {
      const r = await d.one('SELECT * FROM totp_factors WHERE user_id = ?', [userId])
      return r ? toTotp(r) : null
    },

    async confirmTotp(userId, step, recoveryCodeHashes, now, audit) {
      const confirmed = await audited(
        d,
        audit,
        (_c, tx) =>
          tx(async (c) => {
            const sql = 'UPDATE totp_factors SET confirmed_at = ?, last_used_step = ? WHERE user_id = ? AND confirmed_at IS NULL'
            if ((await c.run(sql, [enc.date(now), step, userId])) !== 1) return false
            await replaceCodes(c, userId, recoveryCodeHashes, now)
            await setEnabled(c, userId, true, now)
            return true
          }),
        (ok) => ok,
      )
      return userChanged(userId, confirmed)
    },

    async consumeTotpStep(userId, step) {
      // One conditional UPDATE: concurrent uses of one step, on any instance, see it recorded.
      const sql = 'UPDATE totp_factors SET last_used_step = ? WHERE user_id = ? AND confirmed_at IS NOT NULL AND (last_used_step IS NULL OR last_used_step < ?)'
      return (await d.run(sql, [step, userId, step])) === 1
    },

    async deleteTotp(userId, now, audit) {
      const deleted = await audited(
        d,
        audit,
        (_c, tx) =>
          tx(async (c) => {
            if ((await c.run('DELETE FROM totp_factors WHERE user_id = ?', [userId])) !== 1) return false
            await c.run('DELETE FROM recovery_codes WHERE user_id = ?', [userId])
            await setEnabled(c, userId, false, now)
            return true
          }),
        (ok) => ok,
      )
      return userChanged(userId, deleted)
    },

    async replaceRecoveryCodes(userId, hashes, now, audit) {
      await audited(
        d,
        audit,
        (_c, tx) => tx((c) => replaceCodes(c, userId, hashes, now)),
        () => true,
      )
    },

    async consumeRecoveryCode(userId, hash, now, audit) {
      // One conditional UPDATE: of concurrent spends of one code exactly one changes the row.
      const sql = 'UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL'
      return (
        (await audited(
          d,
          audit,
          (c) => c.run(sql, [enc.date(now), userId, hash]),
          (n) => n === 1,
        )) === 1
      )
    },

    async countRecoveryCodes(userId) {
      const r = await d.one('SELECT count(*) AS n FROM recovery_codes WHERE user_id = ? AND used_at IS NULL', [userId])
      return Number(r?.n ?? 0) // PostgreSQL's count is a bigint, as text
    },

    async listTotpSecrets(afterUserId, limit) {
      const rows = await d.q('SELECT user_id, secret FROM totp_factors WHERE user_id > ? ORDER BY user_id LIMIT ?', [afterUserId, limit])
      return rows.map((r) => ({ userId: r.user_id as string, secret: r.secret as string }))
    },

    async replaceTotpSecret(userId, oldSecret, newSecret) {
      return (await d.run('UPDATE totp_factors SET secret = ? WHERE user_id = ? AND secret = ?', [newSecret, userId, oldSecret])) === 1
    },
  }
}
