/**
 * Persistence contract. Every method is atomic by itself (one statement, or a transaction inside
 * the back end); no transaction object crosses it. Absent rows are `null`, never an exception.
 * Times cross as `Date`. A resolved write is durable (SQLite: synchronous=FULL).
 */

export interface User {
  id: string
  username: string
  email: string | null
  emailVerified: boolean
  roles: string[]
  disabled: boolean
  createdAt: Date
  updatedAt: Date
}

export interface NewUser {
  id: string
  username: string
  /** Case-folded username: a UNIQUE index holds case-insensitive uniqueness. */
  usernameKey: string
  email: string | null
  /** Case-folded email, UNIQUE when present. */
  emailKey: string | null
  passwordHash: string
  roles: string[]
  createdAt: Date
}

export interface UserPatch {
  email?: { email: string | null; emailKey: string | null }
  emailVerified?: boolean
  roles?: string[]
  disabled?: boolean
}

export interface Session {
  id: string
  userId: string
  scope: string
  createdAt: Date
  lastUsedAt: Date
  /** Absolute end: never extended. */
  expiresAt: Date
  /** Idle end: moved forward on each refresh, never past `expiresAt`. */
  idleExpiresAt: Date
  endedAt: Date | null
  userAgent: string | null
  ip: string | null
}

export interface NewSession {
  id: string
  userId: string
  scope: string
  refreshHash: string
  createdAt: Date
  expiresAt: Date
  idleExpiresAt: Date
  userAgent: string | null
  ip: string | null
}

export type RotateResult =
  | { status: 'rotated'; session: Session; user: User }
  /** The presented token was already rotated away: the back end has ended its session. */
  | { status: 'reused'; sessionId: string }
  /** Unknown token, or its session has ended, expired or idled out. */
  | { status: 'gone' }

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

export class StoreConflictError extends Error {
  constructor(readonly field: 'username' | 'email') {
    super(`${field} already exists`)
    this.name = 'StoreConflictError'
  }
}

export interface Store {
  /** Applies pending migrations; safe to call from several processes at once. */
  migrate(): Promise<void>
  /** Resolves when storage answers a trivial query. */
  ping(): Promise<void>
  close(): Promise<void>

  /** @throws StoreConflictError when usernameKey or emailKey is taken. */
  createUser(u: NewUser): Promise<User>
  findUserById(id: string): Promise<User | null>
  /** The only way to read a password hash, by username key. */
  findUserForLogin(usernameKey: string): Promise<(User & { passwordHash: string }) | null>
  /** The password hash of a user, for re-authentication (password change, deletion). */
  findPasswordHash(userId: string): Promise<string | null>
  /** @returns the updated user, or null when absent. @throws StoreConflictError on a taken email. */
  updateUser(id: string, patch: UserPatch, now: Date): Promise<User | null>
  /** Replaces the hash only while it still equals `oldHash` (a concurrent change wins). */
  updatePasswordHash(id: string, oldHash: string, newHash: string, now: Date): Promise<boolean>
  /** Deletes the user and, through the foreign key, every session and refresh token. */
  deleteUser(id: string): Promise<boolean>

  /** Creates a session with its first refresh token hash. */
  createSession(s: NewSession): Promise<Session>
  /** The session and its user, ended or not: callers decide what is valid. */
  findSessionWithUser(sessionId: string): Promise<{ session: Session; user: User } | null>
  /** The session a refresh token (current or rotated) belongs to, with its user; `spent` once rotated. */
  findSessionByRefreshHash(refreshHash: string): Promise<{ session: Session; user: User; spent: boolean } | null>
  /** Sessions not ended and not expired at `now`, newest first. */
  listSessionsForUser(userId: string, now: Date): Promise<Session[]>
  /**
   * Compare-and-swap rotation: marks `oldHash` used and stores `newHash` only if `oldHash` is the
   * session's unused token. Of two concurrent calls with one token exactly one is 'rotated'; the
   * other sees a used token, 'reused', and the session ends (RFC 9700 §4.14.2).
   */
  rotateRefreshToken(args: { oldHash: string; newHash: string; now: Date; idleExpiresAt: Date }): Promise<RotateResult>
  /** Ends a session. @returns false when absent or already ended. */
  endSession(id: string, now: Date): Promise<boolean>
  /** Ends the session that `refreshHash` (current or already rotated) belongs to. */
  endSessionByRefreshHash(refreshHash: string, now: Date): Promise<boolean>
  /** Ends every live session of a user but `exceptId`. @returns how many ended. */
  endSessionsForUser(userId: string, now: Date, exceptId?: string): Promise<number>

  /** Every stored signing key, oldest first. */
  listSigningKeys(): Promise<SigningKeyRow[]>
  /**
   * Inserts `row` unless a key for `row.alg` that is not retired at `now` already exists, atomically,
   * so instances starting together agree on one key. @returns the keys afterwards, oldest first.
   */
  ensureSigningKey(row: SigningKeyRow, now: Date): Promise<SigningKeyRow[]>
}
