import { PASSKEY_COLS, USER_COLS_PREFIXED } from '../rows.js'
import type { PasskeyStore } from '../store.js'
import { audited } from './audit.js'
import { type Db, LOCKS, type Row } from './db.js'

const INSERT = `INSERT INTO passkeys (id, user_id, credential_id, public_key, counter, transports, device_type, backed_up, name, user_handle, aaguid, created_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (credential_id) DO NOTHING`
const LIST = `SELECT ${PASSKEY_COLS} FROM passkeys p WHERE p.user_id = ? ORDER BY p.created_at, p.id`
const BY_CREDENTIAL = `SELECT ${PASSKEY_COLS}, ${USER_COLS_PREFIXED} FROM passkeys p JOIN users u ON u.id = p.user_id WHERE p.credential_id = ?`
// The compare-and-swap of a use: the counter the caller checked must still be there, and move forward.
const USE_COUNTING = 'UPDATE passkeys SET counter = ?, backed_up = ?, last_used_at = ? WHERE id = ? AND counter = ? AND counter < ?'
// An authenticator that keeps no counter (0 every time, as synced passkeys do) stays at 0.
const USE_ZERO = 'UPDATE passkeys SET backed_up = ?, last_used_at = ? WHERE id = ? AND counter = 0'
const COUNT_SIGN_IN = "SELECT count(*) AS n FROM webauthn_challenges WHERE ceremony = 'authentication'"
// The oldest live sign-in challenges, as many as the cap leaves no room for (ties: any order, but one).
const EVICT_OLDEST = `DELETE FROM webauthn_challenges WHERE challenge_hash IN
  (SELECT challenge_hash FROM webauthn_challenges WHERE ceremony = 'authentication' ORDER BY created_at, challenge_hash LIMIT ?)`

const found = (r: Row | undefined) => (r ? { userId: (r.user_id as string | null) ?? null, data: (r.data as string | null) ?? null } : null)

export function sqlPasskeys(d: Db): PasskeyStore {
  const { toPasskey, toUser } = d.rows
  const enc = d.dialect
  return {
    async createPasskey(p, audit) {
      const args = [
        p.id,
        p.userId,
        p.credentialId,
        p.publicKey,
        p.counter,
        enc.list(p.transports),
        p.deviceType,
        enc.bool(p.backedUp),
        p.name,
        p.userHandle,
        p.aaguid,
        enc.date(p.createdAt),
      ]
      // The UNIQUE credential id decides a race between two registrations of one credential.
      const n = await audited(
        d,
        audit,
        (c) => c.run(INSERT, args),
        (n) => n === 1,
      )
      return n === 1
    },

    async listPasskeys(userId) {
      return (await d.q(LIST, [userId])).map(toPasskey)
    },

    async findPasskeyByCredentialId(credentialId) {
      const r = await d.one(BY_CREDENTIAL, [credentialId])
      return r ? { passkey: toPasskey(r), user: toUser(r, 'u_') } : null
    },

    async recordPasskeyUse(id, use) {
      const at = enc.date(use.usedAt)
      const backedUp = enc.bool(use.backedUp)
      if (use.newCounter === 0 && use.expectedCounter === 0) return (await d.run(USE_ZERO, [backedUp, at, id])) === 1
      return (await d.run(USE_COUNTING, [use.newCounter, backedUp, at, id, use.expectedCounter, use.newCounter])) === 1
    },

    async renamePasskey(userId, id, name, audit) {
      const n = await audited(
        d,
        audit,
        (c) => c.run('UPDATE passkeys SET name = ? WHERE id = ? AND user_id = ?', [name, id, userId]),
        (n) => n === 1,
      )
      if (n !== 1) return null
      const r = await d.one(`SELECT ${PASSKEY_COLS} FROM passkeys p WHERE p.id = ? AND p.user_id = ?`, [id, userId])
      return r ? toPasskey(r) : null
    },

    async deletePasskey(userId, id, audit) {
      const n = await audited(
        d,
        audit,
        (c) => c.run('DELETE FROM passkeys WHERE id = ? AND user_id = ?', [id, userId]),
        (n) => n === 1,
      )
      return n === 1
    },

    async createWebauthnChallenge(ch, maxLive) {
      const perUser = ch.ceremony === 'registration' && ch.userId !== null
      // Capped ones take a lock (PostgreSQL: advisory; SQLite: every transaction is alone), so
      // the count and the eviction see every other insert: concurrent calls cannot overshoot.
      return d.tx(
        async (c) => {
          const now = enc.date(ch.createdAt)
          await c.run('DELETE FROM webauthn_challenges WHERE expires_at <= ?', [now])
          let evicted = 0
          if (perUser) {
            await c.run("DELETE FROM webauthn_challenges WHERE user_id = ? AND ceremony = 'registration'", [ch.userId])
          } else {
            const live = Number((await c.one(COUNT_SIGN_IN))?.n ?? 0)
            const excess = live - Math.max(1, Math.floor(maxLive)) + 1
            if (excess > 0) evicted = await c.run(EVICT_OLDEST, [excess])
          }
          await c.run('INSERT INTO webauthn_challenges (challenge_hash, ceremony, user_id, data, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)', [
            ch.challengeHash,
            ch.ceremony,
            ch.userId,
            ch.data,
            now,
            enc.date(ch.expiresAt),
          ])
          return evicted
        },
        perUser ? undefined : LOCKS.signInChallenges,
      )
    },

    async consumeWebauthnChallenge(challengeHash, ceremony, now) {
      // One DELETE ... RETURNING: of two concurrent spends, exactly one gets the row.
      const sql = 'DELETE FROM webauthn_challenges WHERE challenge_hash = ? AND ceremony = ? AND expires_at > ? RETURNING user_id, data'
      return found(await d.one(sql, [challengeHash, ceremony, enc.date(now)]))
    },

    async purgeWebauthnChallenges(before) {
      return d.run('DELETE FROM webauthn_challenges WHERE expires_at < ?', [enc.date(before)])
    },
  }
}
