import { StoreConflictError, type NewUser, type User, type UserStore } from '../store.js'
import { conflictField, type Row, type SqliteDb, toUser, USER_COLS } from './sqlite-db.js'

function rethrowConflict(err: unknown): never {
  const field = conflictField(err)
  throw field ? new StoreConflictError(field) : err
}

export function sqliteUsers(d: SqliteDb): UserStore {
  const byId = (id: string): User | null => {
    const r = d.q(`SELECT ${USER_COLS} FROM users u WHERE u.id = ?`).get(id) as Row | undefined
    return r ? toUser(r) : null
  }
  return {
    async createUser(u: NewUser) {
      const t = u.createdAt.getTime()
      try {
        d.q(
          `INSERT INTO users (id, username, username_key, email, email_key, password_hash, roles, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(u.id, u.username, u.usernameKey, u.email, u.emailKey, u.passwordHash, JSON.stringify(u.roles), t, t)
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
        createdAt: u.createdAt,
        updatedAt: u.createdAt,
      }
    },

    async findUserById(id) {
      return byId(id)
    },

    async findUserByUsernameKey(usernameKey) {
      const r = d.q(`SELECT ${USER_COLS} FROM users u WHERE u.username_key = ?`).get(usernameKey) as Row | undefined
      return r ? toUser(r) : null
    },

    async findUserForLogin(usernameKey) {
      const r = d.q(`SELECT ${USER_COLS}, u.password_hash FROM users u WHERE u.username_key = ?`).get(usernameKey) as Row | undefined
      return r ? { ...toUser(r), passwordHash: r.password_hash as string } : null
    },

    async findSlowestLegacyHash() {
      // $2b$12$...: the cost is the two digits after the second $.
      const r = d.q("SELECT password_hash FROM users WHERE password_hash LIKE '$2%' ORDER BY substr(password_hash, 5, 2) DESC LIMIT 1").get() as Row | undefined
      return r ? (r.password_hash as string) : null
    },

    async findPasswordHash(userId) {
      const r = d.q('SELECT password_hash FROM users WHERE id = ?').get(userId) as Row | undefined
      return r ? (r.password_hash as string) : null
    },

    async listUsers(q) {
      const where: string[] = []
      const args: unknown[] = []
      if (q.prefix) {
        // substr, not LIKE: a prefix holding % or _ means itself.
        where.push('(substr(u.username_key, 1, ?) = ? OR substr(u.email_key, 1, ?) = ?)')
        // substr counts characters (code points), not UTF-16 units.
        const n = [...q.prefix].length
        args.push(n, q.prefix, n, q.prefix)
      }
      if (q.afterUsernameKey !== undefined) where.push('u.username_key > ?'), args.push(q.afterUsernameKey)
      const sql = `SELECT ${USER_COLS} FROM users u ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY u.username_key LIMIT ?`
      return (d.q(sql).all(...args, q.limit) as Row[]).map((r) => toUser(r))
    },

    async updateUser(id, patch, now) {
      d.invalidate()
      const sets: string[] = []
      const args: unknown[] = []
      if (patch.email) sets.push('email = ?', 'email_key = ?'), args.push(patch.email.email, patch.email.emailKey)
      if (patch.emailVerified !== undefined) sets.push('email_verified = ?'), args.push(patch.emailVerified ? 1 : 0)
      if (patch.pendingEmail !== undefined) sets.push('pending_email = ?'), args.push(patch.pendingEmail)
      if (patch.roles) sets.push('roles = ?'), args.push(JSON.stringify(patch.roles))
      if (patch.disabled !== undefined) sets.push('disabled = ?'), args.push(patch.disabled ? 1 : 0)
      sets.push('updated_at = ?')
      args.push(now.getTime(), id)
      try {
        if (d.q(`UPDATE users SET ${sets.join(', ')} WHERE id = ?`).run(...args).changes === 0) return null
      } catch (err) {
        rethrowConflict(err)
      }
      return byId(id)
    },

    async findUserByEmailKey(key) {
      const r = d.q(`SELECT ${USER_COLS} FROM users u WHERE u.email_key = ?`).get(key) as Row | undefined
      return r ? toUser(r) : null
    },

    async setPasswordHash(id, newHash, now) {
      d.invalidate()
      return d.q('UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?').run(newHash, now.getTime(), id).changes === 1
    },

    async updatePasswordHash(id, oldHash, newHash, now) {
      d.invalidate()
      return d.q('UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ? AND password_hash = ?').run(newHash, now.getTime(), id, oldHash).changes === 1
    },

    async deleteUser(id) {
      d.invalidate()
      return d.q('DELETE FROM users WHERE id = ?').run(id).changes === 1
    },
  }
}
