import assert from 'node:assert/strict'
import { at, ev, newClient, newSession, newUser, T0, type Open, storeTest } from './helpers.js'

export function clientStoreContract(name: string, open: Open): void {
  const t = storeTest(name, open)

  t('clients: create, find, list (oldest first); an id is registered once; audit only when stored', async (s) => {
    assert.deepEqual(await s.listClients(), [])
    assert.equal(await s.findClient('nope'), null)
    const a = newClient('a1', { createdAt: at(5), postLogoutRedirectUris: ['https://app.example/bye'], idTokenSignedResponseAlg: 'ES256' })
    const b = newClient('b2', { confidential: false, firstParty: true, secretHash: null, grantTypes: ['authorization_code'], redirectUris: [] })
    assert.equal(await s.createClient(a, [ev('client.created')]), true)
    assert.equal(await s.createClient(b), true)
    assert.deepEqual(await s.findClient('a1'), { ...a, updatedAt: a.createdAt })
    assert.deepEqual(await s.listClients(), [
      { ...b, updatedAt: b.createdAt },
      { ...a, updatedAt: a.createdAt },
    ])
    assert.equal(await s.createClient(newClient('a1', { name: 'other' }), [ev('client.created')]), false)
    assert.equal((await s.findClient('a1'))?.name, 'App a1')
    assert.equal(await s.findClient('A1'), null, 'client ids are case-sensitive')
    assert.deepEqual(
      (await s.scanAuditEvents(0, 10)).map((e) => e.type),
      ['client.created'],
    )
  })

  t('clients: update merges the patch and moves updatedAt; set the secret hash; absent ids change nothing', async (s) => {
    await s.createClient(newClient('c1'))
    const u = await s.updateClient('c1', { name: 'Renamed', scopes: ['openid'], idTokenSignedResponseAlg: 'RS256' }, at(10), [ev('client.updated')])
    assert.equal(u?.name, 'Renamed')
    assert.deepEqual(u?.scopes, ['openid'])
    assert.deepEqual(u?.redirectUris, ['https://app.example/cb', 'http://127.0.0.1/cb'], 'fields left out stay')
    assert.deepEqual(await s.findClient('c1'), u)
    assert.equal(u?.updatedAt.getTime(), at(10).getTime())
    assert.equal(u?.createdAt.getTime(), T0.getTime())
    const back = await s.updateClient('c1', { idTokenSignedResponseAlg: null, redirectUris: [], postLogoutRedirectUris: ['com.example.app:/bye'] }, at(11))
    assert.equal(back?.idTokenSignedResponseAlg, null)
    assert.deepEqual(back?.redirectUris, [])
    assert.deepEqual(back?.postLogoutRedirectUris, ['com.example.app:/bye'])
    assert.equal(await s.updateClient('nope', { name: 'x' }, at(12), [ev('client.updated')]), null)
    assert.equal(await s.setClientSecret('c1', 'hash-2', at(13), [ev('client.secret_rotated')]), true)
    const after = await s.findClient('c1')
    assert.equal(after?.secretHash, 'hash-2')
    assert.equal(after?.updatedAt.getTime(), at(13).getTime())
    assert.equal(await s.setClientSecret('nope', 'hash-3', at(14), [ev('client.secret_rotated')]), false)
    assert.deepEqual(
      (await s.scanAuditEvents(0, 10)).map((e) => e.type),
      ['client.updated', 'client.secret_rotated'],
    )
  })

  t("clients: delete ends the client's open sessions (and no one else's) in the same write; unknown id: null", async (s) => {
    const u = await s.createUser(newUser('cleo'))
    await s.createClient(newClient('d1'))
    await s.createClient(newClient('d2'))
    const mine = await s.createSession(newSession(u.id, 'r1', { clientId: 'd1' }))
    const ended = await s.createSession(newSession(u.id, 'r2', { clientId: 'd1' }))
    await s.endSession(ended.id, at(1))
    const other = await s.createSession(newSession(u.id, 'r3', { clientId: 'd2' }))
    const plain = await s.createSession(newSession(u.id, 'r4'))
    assert.equal((await s.findSessionWithUser(mine.id))?.session.endedAt, null, 'cached while open')
    assert.equal(mine.clientId, 'd1')
    assert.equal(plain.clientId, null)
    assert.equal((await s.findSessionWithUser(mine.id))?.session.clientId, 'd1', 'read back')
    assert.equal((await s.findSessionByRefreshHash('r3'))?.session.clientId, 'd2')
    assert.deepEqual(
      (await s.listOpenSessions(u.id)).map((x) => [x.id, x.clientId]).sort(),
      [
        [mine.id, 'd1'],
        [other.id, 'd2'],
        [plain.id, null],
      ].sort(),
    )
    let counted = -1
    const n = await s.deleteClient('d1', at(20), (k) => {
      counted = k
      return [{ ...ev('client.deleted'), details: { sessions_ended: k } }]
    })
    assert.equal(n, 1)
    assert.equal(counted, 1)
    assert.equal(await s.findClient('d1'), null)
    assert.equal((await s.findSessionWithUser(mine.id))?.session.endedAt?.getTime(), at(20).getTime(), 'ended, and the cache follows')
    assert.equal((await s.findSessionWithUser(ended.id))?.session.endedAt?.getTime(), at(1).getTime(), 'an ended session keeps its end')
    assert.equal((await s.findSessionWithUser(other.id))?.session.endedAt, null)
    assert.equal((await s.findSessionWithUser(plain.id))?.session.endedAt, null)
    assert.equal(
      await s
        .rotateRefreshToken({ oldHash: 'r1', newHash: 'r1b', sealedSuccessor: 'x', now: at(21), idleExpiresAt: at(600), graceSeconds: 0 })
        .then((r) => r.status),
      'gone',
    )
    assert.equal(await s.deleteClient('d1', at(30), () => [ev('client.deleted')]), null)
    const events = await s.scanAuditEvents(0, 10)
    assert.deepEqual(
      events.map((e) => [e.type, e.detailsJson]),
      [['client.deleted', JSON.stringify({ sessions_ended: 1 })]],
    )
  })
}
