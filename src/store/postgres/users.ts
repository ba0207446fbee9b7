import { type NewUser, StoreConflictError, type User, type UserStore } from '../store.js'
import { conflictField, type PgDb, toUser, USER_COLS } from './pg-db.js'

function rethrowConflict(err: unknown): never {
  const field = conflictField(err)
  throw field ? new StoreConflictError(field) : err
}

export function postgresUsers(d: PgDb): UserStore {
  const byId = async (id: string): Promise<User | null> => {
    const r = await d.one(`SELECT ${USER_COLS} FROM users u WHERE u.id = $1`, [id])
    return r ? toUser(r) : null
  }
  return {
    async createUser(u: NewUser) {
      try {
        // The UNIQUE constraints decide a race between two registrations of one name: no read first.
        await d.q(
          `INSERT INTO users (id, username, username_key, email, email_key, password_hash, roles, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
          [u.id, u.username, u.usernameKey, u.email, u.emailKey, u.passwordHash, u.roles, u.createdAt],
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
        createdAt: u.createdAt,
        updatedAt: u.createdAt,
      }
    },

    findUserById: byId,

    async findUserByUsernameKey(usernameKey) {
      const r = await d.one(`SELECT ${USER_COLS} FROM users u WHERE u.username_key = $1`, [usernameKey])
      return r ? toUser(r) : null
    },

    async findUserForLogin(usernameKey) {
      const r = await d.one(`SELECT ${USER_COLS}, u.password_hash FROM users u WHERE u.username_key = $1`, [usernameKey])
      return r ? { ...toUser(r), passwordHash: r.password_hash as string } : null
    },

    async findSlowestLegacyHash() {
      const r = await d.one("SELECT password_hash FROM users WHERE password_hash LIKE '$2%' ORDER BY substr(password_hash, 5, 2) DESC LIMIT 1")
      return r ? (r.password_hash as string) : null
    },

    async findPasswordHash(userId) {
      const r = await d.one('SELECT password_hash FROM users WHERE id = $1', [userId])
      return r ? (r.password_hash as string) : null
    },

    async listUsers(q) {
      const where: string[] = []
      const args: unknown[] = []
      if (q.prefix) {
        // left(), not LIKE: a prefix holding % or _ means itself.
        args.push(q.prefix)
        // left() counts characters (code points), not UTF-16 units.
        const n = [...q.prefix].length
        where.push(`(left(u.username_key, ${n}) = $${args.length} OR left(u.email_key, ${n}) = $${args.length})`)
      }
      if (q.afterUsernameKey !== undefined) {
        args.push(q.afterUsernameKey)
        where.push(`u.username_key > $${args.length}`)
      }
      args.push(q.limit)
      const sql = `SELECT ${USER_COLS} FROM users u ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY u.username_key LIMIT $${args.length}`
      return (await d.q(sql, args)).map((r) => toUser(r))
    },

    async updateUser(id, patch, now) {
      const sets: string[] = []
      const args: unknown[] = []
      const set = (col: string, v: unknown) => {
        args.push(v)
        sets.push(`${col} = $${args.length}`)
      }
      if (patch.email) set('email', patch.email.email), set('email_key', patch.email.emailKey)
      if (patch.emailVerified !== undefined) set('email_verified', patch.emailVerified)
      if (patch.pendingEmail !== undefined) set('pending_email', patch.pendingEmail)
      if (patch.roles) set('roles', patch.roles)
      if (patch.disabled !== undefined) set('disabled', patch.disabled)
      set('updated_at', now)
      args.push(id)
      let r: Record<string, unknown> | undefined
      try {
        r = await d.one(`UPDATE users u SET ${sets.join(', ')} WHERE u.id = $${args.length} RETURNING ${USER_COLS}`, args)
      } catch (err) {
        rethrowConflict(err)
      }
      d.changed({ kind: 'user', id })
      return r ? toUser(r) : null
    },

    async findUserByEmailKey(key) {
      const r = await d.one(`SELECT ${USER_COLS} FROM users u WHERE u.email_key = $1`, [key])
      return r ? toUser(r) : null
    },

    async setPasswordHash(id, newHash, now) {
      const r = await d.q('UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3 RETURNING id', [newHash, now, id])
      d.changed({ kind: 'user', id })
      return r.length === 1
    },

    async updatePasswordHash(id, oldHash, newHash, now) {
      const r = await d.q('UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3 AND password_hash = $4 RETURNING id', [newHash, now, id, oldHash])
      d.changed({ kind: 'user', id })
      return r.length === 1
    },

    async deleteUser(id) {
      const r = await d.q('DELETE FROM users WHERE id = $1 RETURNING id', [id])
      d.changed({ kind: 'user', id })
      return r.length === 1
    },
  }
}
