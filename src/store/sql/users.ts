import { USER_COLS, USER_COLS_BARE } from '../rows.js'
import { StoreConflictError, type User, type UserStore } from '../store.js'
import { audited } from './audit.js'
import type { Db } from './db.js'

const BY_ID = `SELECT ${USER_COLS} FROM users u WHERE u.id = ?`
const BY_USERNAME_KEY = `SELECT ${USER_COLS} FROM users u WHERE u.username_key = ?`
const BY_EMAIL_KEY = `SELECT ${USER_COLS} FROM users u WHERE u.email_key = ?`
const FOR_LOGIN = `SELECT ${USER_COLS}, u.password_hash FROM users u WHERE u.username_key = ?`
const INSERT = `INSERT INTO users (id, username, username_key, email, email_key, password_hash, roles, created_at, updated_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`

export function sqlUsers(d: Db): UserStore {
  const { toUser } = d.rows
  const enc = d.dialect
  const rethrowConflict = (err: unknown): never => {
    const field = enc.conflictField(err)
    throw field ? new StoreConflictError(field) : err
  }
  const find = async (sql: string, arg: string): Promise<User | null> => {
    const r = await d.one(sql, [arg])
    return r ? toUser(r) : null
  }
  /** A write to a user row: cached sessions carry their user, so every instance drops them. */
  const userChanged = <T>(id: string, out: T): T => {
    d.changed({ kind: 'user', id })
    return out
  }
  return {
    async createUser(u, audit) {
      const t = enc.date(u.createdAt)
      try {
        // The UNIQUE constraints decide a race between two registrations of one name: no read first.
        await audited(
          d,
          audit,
          (c) => c.run(INSERT, [u.id, u.username, u.usernameKey, u.email, u.emailKey, u.passwordHash, enc.list(u.roles), t, t]),
          () => true,
        )
      } catch (err) {
        rethrowConflict(err)
      }
      return {
        id: u.id,
        username: u.username,
        email: u.email,
        emailVerified: false,
        pendingEmail: null,
        roles: [...u.roles],
        disabled: false,
        totpEnabled: false,
        createdAt: u.createdAt,
        updatedAt: u.createdAt,
      }
    },

    findUserById: (id) => find(BY_ID, id),
    findUserByUsernameKey: (key) => find(BY_USERNAME_KEY, key),
    findUserByEmailKey: (key) => find(BY_EMAIL_KEY, key),

    async findUserForLogin(usernameKey) {
      const r = await d.one(FOR_LOGIN, [usernameKey])
      return r ? { ...toUser(r), passwordHash: r.password_hash as string } : null
    },

    async findSlowestLegacyHash() {
      // $2b$12$...: the cost is the two digits after the second $.
      const r = await d.one("SELECT password_hash FROM users WHERE password_hash LIKE '$2%' ORDER BY substr(password_hash, 5, 2) DESC LIMIT 1")
      return r ? (r.password_hash as string) : null
    },

    async findPasswordHash(userId) {
      const r = await d.one('SELECT password_hash FROM users WHERE id = ?', [userId])
      return r ? (r.password_hash as string) : null
    },

    async listUsers(q) {
      const where: string[] = []
      const args: unknown[] = []
      if (q.prefix) {
        // substr, not LIKE: a prefix holding % or _ means itself. substr counts characters
        // (code points), not UTF-16 units, on both back ends.
        where.push('(substr(u.username_key, 1, ?) = ? OR substr(u.email_key, 1, ?) = ?)')
        const n = [...q.prefix].length
        args.push(n, q.prefix, n, q.prefix)
      }
      if (q.afterUsernameKey !== undefined) where.push('u.username_key > ?'), args.push(q.afterUsernameKey)
      const sql = `SELECT ${USER_COLS} FROM users u ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY u.username_key LIMIT ?`
      return (await d.q(sql, [...args, q.limit])).map((r) => toUser(r))
    },

    async updateUser(id, patch, now, audit) {
      const sets: string[] = []
      const args: unknown[] = []
      if (patch.email) sets.push('email = ?', 'email_key = ?'), args.push(patch.email.email, patch.email.emailKey)
      if (patch.emailVerified !== undefined) sets.push('email_verified = ?'), args.push(enc.bool(patch.emailVerified))
      if (patch.pendingEmail !== undefined) sets.push('pending_email = ?'), args.push(patch.pendingEmail)
      if (patch.roles) sets.push('roles = ?'), args.push(enc.list(patch.roles))
      if (patch.disabled !== undefined) sets.push('disabled = ?'), args.push(enc.bool(patch.disabled))
      sets.push('updated_at = ?')
      args.push(enc.date(now), id)
      const sql = `UPDATE users SET ${sets.join(', ')} WHERE id = ? RETURNING ${USER_COLS_BARE}`
      let r: Record<string, unknown> | undefined
      try {
        r = await audited(
          d,
          audit,
          (c) => c.one(sql, args),
          (r) => r !== undefined,
        )
      } catch (err) {
        rethrowConflict(err)
      }
      return userChanged(id, r ? toUser(r) : null)
    },

    async setPasswordHash(id, newHash, now, audit) {
      const sql = 'UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?'
      const n = await audited(
        d,
        audit,
        (c) => c.run(sql, [newHash, enc.date(now), id]),
        (n) => n === 1,
      )
      return userChanged(id, n === 1)
    },

    async updatePasswordHash(id, oldHash, newHash, now, audit) {
      const sql = 'UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ? AND password_hash = ?'
      const n = await audited(
        d,
        audit,
        (c) => c.run(sql, [newHash, enc.date(now), id, oldHash]),
        (n) => n === 1,
      )
      return userChanged(id, n === 1)
    },

    async deleteUser(id, audit) {
      const n = await audited(
        d,
        audit,
        (c) => c.run('DELETE FROM users WHERE id = ?', [id]),
        (n) => n === 1,
      )
      return userChanged(id, n === 1)
    },
  }
}
