import { CLIENT_COLS } from '../rows.js'
import type { ClientStore } from '../store.js'
import { audited } from './audit.js'
import type { Db } from './db.js'

const INSERT = `INSERT INTO clients (${CLIENT_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`
const BY_ID = `SELECT ${CLIENT_COLS} FROM clients WHERE id = ?`
const UPDATE = `UPDATE clients SET name = ?, first_party = ?, grant_types = ?, scopes = ?, redirect_uris = ?, post_logout_redirect_uris = ?,
  id_token_signed_response_alg = ?, updated_at = ? WHERE id = ?`
const END_SESSIONS = 'UPDATE sessions SET ended_at = ? WHERE client_id = ? AND ended_at IS NULL RETURNING id'

export function sqlClients(d: Db): ClientStore {
  const { toClient } = d.rows
  const enc = d.dialect
  return {
    async createClient(c, audit) {
      const args = [
        c.id,
        c.name,
        enc.bool(c.confidential),
        enc.bool(c.firstParty),
        enc.list(c.grantTypes),
        enc.list(c.scopes),
        enc.list(c.redirectUris),
        enc.list(c.postLogoutRedirectUris),
        c.idTokenSignedResponseAlg,
        c.secretHash,
        enc.date(c.createdAt),
        enc.date(c.createdAt),
      ]
      const n = await audited(
        d,
        audit,
        (c) => c.run(INSERT, args),
        (n) => n === 1,
      )
      return n === 1
    },

    async findClient(id) {
      const r = await d.one(BY_ID, [id])
      return r ? toClient(r) : null
    },

    async listClients() {
      return (await d.q(`SELECT ${CLIENT_COLS} FROM clients ORDER BY created_at, id`)).map(toClient)
    },

    async updateClient(id, patch, now, audit) {
      // Read, merge and write under the row's lock: concurrent patches of different fields both land.
      return audited(
        d,
        audit,
        (_c, tx) =>
          tx(async (c) => {
            const r = await c.one(`${BY_ID}${enc.forUpdate()}`, [id])
            if (!r) return null
            const m = { ...toClient(r), ...patch, updatedAt: now }
            await c.run(UPDATE, [
              m.name,
              enc.bool(m.firstParty),
              enc.list(m.grantTypes),
              enc.list(m.scopes),
              enc.list(m.redirectUris),
              enc.list(m.postLogoutRedirectUris),
              m.idTokenSignedResponseAlg,
              enc.date(now),
              id,
            ])
            return m
          }),
        (m) => m !== null,
      )
    },

    async setClientSecret(id, secretHash, now, audit) {
      const n = await audited(
        d,
        audit,
        (c) => c.run('UPDATE clients SET secret_hash = ?, updated_at = ? WHERE id = ?', [secretHash, enc.date(now), id]),
        (n) => n === 1,
      )
      return n === 1
    },

    async deleteClient(id, now, audit) {
      const ended: string[] = []
      const gone = await audited(
        d,
        audit ? (n: number | null) => audit(n ?? 0) : undefined,
        (_c, tx) =>
          tx(async (c) => {
            ended.length = 0 // a retried transaction starts over
            // The client's row first: a redemption of its codes in flight holds it shared (see
            // sql/authorization-codes.ts), so this waits for it and then ends the session it
            // created; one not yet begun waits for this, and then finds no code. Its sessions
            // are ended before the cascade deletes its codes and consents: the order a user's
            // deletion takes them in, so the two do not deadlock.
            if (!(await c.one(`${BY_ID}${enc.forUpdate()}`, [id]))) return null
            for (const r of await c.q(END_SESSIONS, [enc.date(now), id])) ended.push(r.id as string)
            await c.run('DELETE FROM clients WHERE id = ?', [id])
            return ended.length
          }),
        (n) => n !== null,
      )
      for (const s of ended) d.changed({ kind: 'session', id: s })
      return gone
    },
  }
}
