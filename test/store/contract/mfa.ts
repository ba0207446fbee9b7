import assert from 'node:assert/strict'
import { GENESIS_HASH } from '../../../src/store/audit-chain.js'
import type { NewAuditEvent, Store } from '../../../src/store/store.js'
import { at, newSession, newUser, T0, type Open, storeTest } from './helpers.js'

const ev = (type: string, subjectId: string | null = null): NewAuditEvent => ({
  type,
  at: at(1),
  actorId: subjectId,
  subjectId,
  ip: null,
  userAgent: null,
  details: { type },
})

/** The whole chain links from the genesis hash, numbered without gaps. @returns the event types in order. */
async function chainTypes(s: Store): Promise<string[]> {
  const all = await s.scanAuditEvents(0, 1000)
  all.forEach((e, i) => {
    assert.equal(e.id, i + 1)
    assert.equal(e.prevHash, i === 0 ? GENESIS_HASH : all[i - 1]!.hash)
  })
  return all.map((e) => e.type)
}

export function mfaStoreContract(name: string, open: Open): void {
  const t = storeTest(name, open)

  t('mfa: a pending factor is replaced until confirmed; confirm sets totpEnabled, the step and the codes', async (s) => {
    const u = await s.createUser(newUser('mae'))
    assert.equal(u.totpEnabled, false)
    assert.equal(await s.findTotp(u.id), null)
    assert.equal(await s.confirmTotp(u.id, 10, ['c1'], at(1)), false, 'nothing pending')
    assert.equal(await s.savePendingTotp(u.id, 'secret-1', at(1)), true)
    assert.equal(await s.savePendingTotp(u.id, 'secret-2', at(2)), true, 'an unconfirmed one is replaced')
    assert.deepEqual(await s.findTotp(u.id), { userId: u.id, secret: 'secret-2', confirmedAt: null, lastUsedStep: null, createdAt: at(2) })
    const sess = await s.createSession(newSession(u.id, 'm1'))
    assert.equal((await s.findSessionWithUser(sess.id))?.user.totpEnabled, false, 'cached before the change')
    assert.equal(await s.confirmTotp(u.id, 100, ['c1', 'c2', 'c3'], at(3)), true)
    assert.equal(await s.confirmTotp(u.id, 101, ['c9'], at(4)), false, 'already confirmed: nothing pending')
    assert.deepEqual(await s.findTotp(u.id), { userId: u.id, secret: 'secret-2', confirmedAt: at(3), lastUsedStep: 100, createdAt: at(2) })
    assert.equal(await s.savePendingTotp(u.id, 'secret-3', at(5)), false, 'a confirmed factor is not replaced')
    assert.equal((await s.findTotp(u.id))?.secret, 'secret-2')
    assert.equal(await s.countRecoveryCodes(u.id), 3)
    assert.equal((await s.findUserById(u.id))?.totpEnabled, true)
    assert.equal((await s.findSessionWithUser(sess.id))?.user.totpEnabled, true, 'the cached session+user followed')
    const peeked = s.peekSessionWithUser(sess.id)
    assert.ok(peeked === undefined || peeked.user.totpEnabled, 'a peek is a miss or the new answer')
    assert.equal((await s.findUserForLogin('mae'))?.totpEnabled, true)
  })

  t('mfa: the replay guard records only a later step', async (s) => {
    const u = await s.createUser(newUser('moe'))
    assert.equal(await s.consumeTotpStep(u.id, 5), false, 'no factor')
    await s.savePendingTotp(u.id, 'x', at(0))
    assert.equal(await s.consumeTotpStep(u.id, 5), false, 'not confirmed')
    await s.confirmTotp(u.id, 3, [], at(1))
    assert.equal(await s.consumeTotpStep(u.id, 3), false, 'the confirming step is spent')
    assert.equal(await s.consumeTotpStep(u.id, 5), true)
    assert.equal(await s.consumeTotpStep(u.id, 5), false, 'replay')
    assert.equal(await s.consumeTotpStep(u.id, 4), false, 'an earlier step')
    assert.equal(await s.consumeTotpStep(u.id, 6), true)
    const concurrent = await Promise.all(Array.from({ length: 6 }, () => s.consumeTotpStep(u.id, 7)))
    assert.equal(concurrent.filter(Boolean).length, 1, 'of concurrent uses of one step exactly one wins')
    assert.equal((await s.findTotp(u.id))?.lastUsedStep, 7)
  })

  t('mfa: recovery codes are spent once, also concurrently; replace swaps them all', async (s) => {
    const u = await s.createUser(newUser('mia'))
    await s.replaceRecoveryCodes(u.id, ['a', 'b', 'c'], at(0))
    assert.equal(await s.countRecoveryCodes(u.id), 3)
    const results = await Promise.all(Array.from({ length: 8 }, () => s.consumeRecoveryCode(u.id, 'a', at(1))))
    assert.equal(results.filter(Boolean).length, 1, 'exactly one wins')
    assert.equal(await s.consumeRecoveryCode(u.id, 'a', at(2)), false, 'used')
    assert.equal(await s.consumeRecoveryCode(u.id, 'zzz', at(2)), false, 'unknown')
    const other = await s.createUser(newUser('max'))
    assert.equal(await s.consumeRecoveryCode(other.id, 'b', at(2)), false, "another user's code")
    assert.equal(await s.countRecoveryCodes(u.id), 2)
    await s.replaceRecoveryCodes(u.id, ['d', 'e'], at(3))
    assert.equal(await s.countRecoveryCodes(u.id), 2)
    assert.equal(await s.consumeRecoveryCode(u.id, 'b', at(4)), false, 'replaced codes are gone')
    assert.equal(await s.consumeRecoveryCode(u.id, 'd', at(4)), true)
    await s.replaceRecoveryCodes(u.id, [], at(5))
    assert.equal(await s.countRecoveryCodes(u.id), 0)
  })

  t('mfa: deleteTotp removes the factor and the codes and clears totpEnabled; deleting the user cascades', async (s) => {
    const u = await s.createUser(newUser('mel'))
    assert.equal(await s.deleteTotp(u.id, at(0)), false, 'none')
    await s.savePendingTotp(u.id, 'x', at(0))
    await s.confirmTotp(u.id, 1, ['a', 'b'], at(1))
    const sess = await s.createSession(newSession(u.id, 'd1'))
    assert.equal((await s.findSessionWithUser(sess.id))?.user.totpEnabled, true)
    assert.equal(await s.deleteTotp(u.id, at(2)), true)
    assert.equal(await s.findTotp(u.id), null)
    assert.equal(await s.countRecoveryCodes(u.id), 0)
    assert.equal((await s.findUserById(u.id))?.totpEnabled, false)
    assert.equal((await s.findSessionWithUser(sess.id))?.user.totpEnabled, false, 'the cached session+user followed')
    assert.equal(await s.savePendingTotp(u.id, 'y', at(3)), true, 'enrolment can start again')
    await s.confirmTotp(u.id, 2, ['c'], at(4))
    assert.equal(await s.deleteUser(u.id), true)
    assert.equal(await s.findTotp(u.id), null)
    assert.equal(await s.countRecoveryCodes(u.id), 0)
    assert.deepEqual(await s.listTotpSecrets('', 10), [])
  })

  t('mfa: secrets page by user id for re-encryption; replaceTotpSecret is a compare-and-swap', async (s) => {
    const ids: string[] = []
    for (const n of ['ra', 'rb', 'rc']) {
      const u = await s.createUser(newUser(n))
      await s.savePendingTotp(u.id, `s-${n}`, at(0))
      ids.push(u.id)
    }
    ids.sort()
    const first = await s.listTotpSecrets('', 2)
    assert.deepEqual(
      first.map((x) => x.userId),
      ids.slice(0, 2),
    )
    const rest = await s.listTotpSecrets(first[1]!.userId, 2)
    assert.deepEqual(
      rest.map((x) => x.userId),
      ids.slice(2),
    )
    const one = first[0]!
    assert.equal(await s.replaceTotpSecret(one.userId, 'wrong', 'new'), false)
    assert.equal(await s.replaceTotpSecret(one.userId, one.secret, 'new'), true)
    assert.equal(await s.replaceTotpSecret(one.userId, one.secret, 'newer'), false, 'the old value is gone')
    assert.equal((await s.findTotp(one.userId))?.secret, 'new')
  })

  t('audited writes append their events in the same transaction, chained; a failed write appends nothing', async (s) => {
    await s.appendAuditEvent(ev('before'))
    const u = await s.createUser(newUser('ada', 'ada@example.com'), [ev('user.created')])
    await assert.rejects(s.createUser(newUser('ADA'), [ev('conflict.username')]), { name: 'StoreConflictError' })
    await assert.rejects(s.createUser(newUser('bob', 'ADA@example.com'), [ev('conflict.email')]), { name: 'StoreConflictError' })
    await s.updateUser(u.id, { disabled: false }, at(1), [ev('user.updated')])
    assert.equal(await s.updateUser(crypto.randomUUID(), { disabled: true }, at(1), [ev('absent.updated')]), null)
    await s.setPasswordHash(u.id, 'h2', at(2), [ev('password.set')])
    assert.equal(await s.updatePasswordHash(u.id, 'wrong', 'h3', at(3), [ev('cas.failed')]), false)
    await s.updatePasswordHash(u.id, 'h2', 'h3', at(3), [ev('password.changed'), ev('password.changed.2')])
    const a = await s.createSession(newSession(u.id, 'au1'), [ev('session.created')])
    await s.createSession(newSession(u.id, 'au2'))
    await s.endSession(a.id, at(4), [ev('session.ended')])
    assert.equal(await s.endSession(a.id, at(5), [ev('session.ended.again')]), false)
    await s.endSessionsForUser(u.id, at(6), undefined, () => [ev('sessions.ended')])
    await s.savePendingTotp(u.id, 'x', at(7))
    await s.confirmTotp(u.id, 1, ['r1'], at(7), [ev('totp.confirmed')])
    assert.equal(await s.confirmTotp(u.id, 2, ['r2'], at(7), [ev('totp.confirmed.again')]), false)
    await s.consumeRecoveryCode(u.id, 'r1', at(8), [ev('recovery.used')])
    assert.equal(await s.consumeRecoveryCode(u.id, 'r1', at(8), [ev('recovery.reused')]), false)
    await s.replaceRecoveryCodes(u.id, ['r3'], at(9), [ev('recovery.replaced')])
    await s.deleteTotp(u.id, at(10), [ev('totp.deleted')])
    assert.equal(await s.deleteTotp(u.id, at(10), [ev('totp.deleted.again')]), false)
    await s.deleteUser(u.id, [ev('user.deleted')])
    assert.deepEqual(await chainTypes(s), [
      'before',
      'user.created',
      'user.updated',
      'password.set',
      'password.changed',
      'password.changed.2',
      'session.created',
      'session.ended',
      'sessions.ended',
      'totp.confirmed',
      'recovery.used',
      'recovery.replaced',
      'totp.deleted',
      'user.deleted',
    ])
  })

  t('audited writes and plain appends running together never fork the chain', async (s) => {
    const u = await s.createUser(newUser('cy'))
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => s.appendAuditEvent(ev(`plain.${i}`))),
      ...Array.from({ length: 5 }, (_, i) => s.createSession(newSession(u.id, `cs${i}`), [ev(`session.${i}`)])),
      s.replaceRecoveryCodes(u.id, ['a'], at(1), [ev('codes')]),
    ])
    assert.equal((await chainTypes(s)).length, 16)
  })

  t('sessions: amr and authTime round-trip and survive rotation', async (s) => {
    const u = await s.createUser(newUser('amy'))
    const sess = await s.createSession(newSession(u.id, 'amr1', { amr: ['pwd', 'otp'], authTime: at(-30) }))
    assert.deepEqual(sess.amr, ['pwd', 'otp'])
    assert.deepEqual((await s.findSessionWithUser(sess.id))?.session.amr, ['pwd', 'otp'])
    assert.deepEqual((await s.findSessionWithUser(sess.id))?.session.authTime, at(-30))
    const r = await s.rotateRefreshToken({ oldHash: 'amr1', newHash: 'amr2', sealedSuccessor: 's', now: at(60), idleExpiresAt: at(660), graceSeconds: 0 })
    assert.equal(r.status, 'rotated')
    const after = await s.findSessionByRefreshHash('amr2')
    assert.deepEqual(after?.session.amr, ['pwd', 'otp'])
    assert.deepEqual(after?.session.authTime, at(-30))
    assert.deepEqual((await s.listOpenSessions(u.id))[0]?.authTime, at(-30))
    assert.deepEqual((await s.createSession(newSession(u.id, 'amr3', { authTime: T0 }))).amr, ['pwd'])
  })
}
