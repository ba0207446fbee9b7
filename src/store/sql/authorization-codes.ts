import { AUTHORIZATION_CODE_COLS } from '../rows.js'
import type { AuthorizationCodeStore, NewSession, RedeemResult } from '../store.js'
import { audited } from './audit.js'
import type { Db } from './db.js'
import { insertSession } from './sessions.js'

const INSERT = `INSERT INTO authorization_codes (${AUTHORIZATION_CODE_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`
const BY_HASH = `SELECT ${AUTHORIZATION_CODE_COLS} FROM authorization_codes WHERE code_hash = ?`
const COUNT_LIVE = 'SELECT count(*) AS n FROM authorization_codes WHERE user_id = ? AND consumed_at IS NULL'
// The user's oldest unconsumed codes but the new one (ties: any order, but one). consumed_at is
// checked again outside the sub-select: PostgreSQL re-checks it on a row that a concurrent
// redemption consumed meanwhile, which then stays for replay detection.
const EVICT_OLDEST = `DELETE FROM authorization_codes WHERE consumed_at IS NULL AND code_hash IN
  (SELECT code_hash FROM authorization_codes WHERE user_id = ? AND consumed_at IS NULL AND code_hash <> ? ORDER BY created_at, code_hash LIMIT ?)`
const CONSUME = 'UPDATE authorization_codes SET consumed_at = ? WHERE code_hash = ? AND consumed_at IS NULL'
const END_SESSION = 'UPDATE sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL'
const BROWSER_ENDED = 'SELECT ended_at FROM sessions WHERE id = ?'

const INVALID: RedeemResult = { status: 'invalid' }

export function sqlAuthorizationCodes(d: Db): AuthorizationCodeStore {
  const { toAuthorizationCode } = d.rows
  const enc = d.dialect
  // Lock order: the code's user and client (shared), then the code. Deleting either takes its row
  // first and then cascades to the code (and the user's sessions): so a deletion waits for a
  // redemption in flight, and ends (or deletes) the session it created, or the redemption waits
  // and then finds no code. Taking them after the code's row would deadlock with that deletion.
  const LOCK_PARENTS = `SELECT a.code_hash FROM authorization_codes a JOIN users u ON u.id = a.user_id JOIN clients c ON c.id = a.client_id
    WHERE a.code_hash = ?${enc.forKeyShare('u, c')}`
  // Concurrent redemptions of one code queue on its row; the later ones then read it consumed.
  const BY_HASH_LOCKED = `${BY_HASH}${enc.forUpdate()}`

  const redeem = (hash: string, now: Date, session: NewSession, audit: Parameters<AuthorizationCodeStore['redeemAuthorizationCode']>[3]) =>
    audited(
      d,
      audit,
      (_c, tx) =>
        tx(async (c): Promise<RedeemResult> => {
          await c.one(LOCK_PARENTS, [hash])
          const r = await c.one(BY_HASH_LOCKED, [hash])
          if (!r) return INVALID
          const code = toAuthorizationCode(r)
          const t = enc.date(now)
          if (code.consumedAt) {
            // RFC 6749 §4.1.2: a code used twice may have leaked; what it granted goes (expired or not).
            const ended = (await c.run(END_SESSION, [t, code.sessionId])) === 1
            return { status: 'replayed', sessionId: code.sessionId, ended, userId: code.userId }
          }
          if (code.expiresAt.getTime() <= now.getTime()) return INVALID
          // The browser session that approved it, still open now, under its row lock: a sign-out
          // racing the exchange either comes first (no tokens) or waits for it (and the new
          // session is the person's to end in the session list).
          const browser = await c.one(`${BROWSER_ENDED}${enc.forUpdate()}`, [code.browserSessionId])
          // (A row purged since can only be one that ended long ago, with its code long expired.)
          if (browser && browser.ended_at !== null) return INVALID
          if (session.id !== code.sessionId || session.userId !== code.userId || (session.clientId ?? null) !== code.clientId) {
            // A caller's bug, never a client's input: the session must be the one the code names.
            throw new Error('redeemAuthorizationCode: the session is not the one the code was issued for')
          }
          if ((await c.run(CONSUME, [t, hash])) !== 1) return INVALID // cannot happen under the row lock
          return { status: 'redeemed', session: await insertSession(d, c, session) }
        }),
      (r) => r.status === 'redeemed',
    )

  return {
    async createAuthorizationCode(a, maxPerUser) {
      const max = Math.max(1, Math.floor(maxPerUser))
      await d.tx(async (c) => {
        await c.run(INSERT, [
          a.hash,
          a.clientId,
          a.userId,
          a.redirectUri,
          a.codeChallenge,
          a.nonce,
          a.scope,
          a.browserSessionId,
          enc.date(a.authTime),
          enc.list(a.amr),
          a.sessionId,
          enc.date(a.createdAt),
          enc.date(a.expiresAt),
        ])
        const live = Number((await c.one(COUNT_LIVE, [a.userId]))?.n ?? 0)
        if (live > max) await c.run(EVICT_OLDEST, [a.userId, a.hash, live - max])
      })
    },

    async findAuthorizationCode(hash) {
      const r = await d.one(BY_HASH, [hash])
      return r ? toAuthorizationCode(r) : null
    },

    async redeemAuthorizationCode(hash, now, session, audit) {
      const result = await redeem(hash, now, session, audit)
      if (result.status === 'replayed' && result.ended) d.changed({ kind: 'session', id: result.sessionId })
      return result
    },

    async purgeAuthorizationCodes(before) {
      return d.run('DELETE FROM authorization_codes WHERE expires_at < ?', [enc.date(before)])
    },
  }
}
