import assert from 'node:assert/strict'
import type { NewOutboxMessage } from '../../../src/store/store.js'
import { at, newUser, type Open, storeTest } from './helpers.js'

const mail = (to: string | null, createdAt = at(0)): NewOutboxMessage => ({ id: crypto.randomUUID(), to, subject: 's', text: 't', html: '<p>h</p>', createdAt })

export function outboxStoreContract(name: string, open: Open): void {
  const t = storeTest(name, open)

  t('outbox: claimed once while leased, again after a failure is due, gone once sent', async (s) => {
    const m = mail('a@example.com')
    await s.enqueueMail(m)
    const first = await s.claimMail(at(1), 10, 60)
    assert.deepEqual(
      first.map((x) => [x.id, x.to, x.attempts]),
      [[m.id, 'a@example.com', 0]],
    )
    assert.deepEqual(await s.claimMail(at(2), 10, 60), [], 'leased: nobody else gets it')
    await s.markMailSent(m.id, 'not-the-claim')
    await s.markMailFailed(m.id, 'not-the-claim', at(2), 'stale')
    assert.deepEqual(await s.claimMail(at(3), 10, 60), [], "another claim's id changes nothing")
    await s.markMailFailed(m.id, first[0]!.claimId, at(30), 'smtp down')
    assert.deepEqual(await s.claimMail(at(29), 10, 60), [], 'not due before its retry time')
    const again = await s.claimMail(at(30), 10, 60)
    assert.equal(again[0]?.attempts, 1)
    await s.markMailSent(m.id, again[0]!.claimId)
    assert.deepEqual(await s.claimMail(at(3600), 10, 60), [], 'sent: gone')
    await s.enqueueMail(mail('b@example.com'))
    assert.equal((await s.claimMail(at(1), 10, 60)).length, 1)
    assert.equal((await s.claimMail(at(62), 10, 60)).length, 1, 'a lease that ran out (a crashed sender) is claimed again')
  })

  t('outbox: concurrent claimers never get the same message', async (s) => {
    for (let i = 0; i < 20; i++) await s.enqueueMail(mail(`u${i}@example.com`))
    const claims = await Promise.all(Array.from({ length: 6 }, () => s.claimMail(at(1), 5, 60)))
    const ids = claims.flat().map((m) => m.id)
    assert.equal(ids.length, 20)
    assert.equal(new Set(ids).size, 20)
  })

  t('outbox: a token and the message carrying it are stored together; findOneTimeToken does not spend it', async (s) => {
    const u = await s.createUser(newUser('mia'))
    const m = mail('mia@example.com')
    await s.createOneTimeToken(
      { tokenHash: 'v1', userId: u.id, purpose: 'verify_email', data: 'mia@example.com', createdAt: at(0), expiresAt: at(60) },
      true,
      m,
    )
    assert.deepEqual(
      (await s.claimMail(at(0), 10, 60)).map((x) => x.id),
      [m.id],
    )
    assert.deepEqual(await s.findOneTimeToken('v1', 'verify_email', at(1)), { userId: u.id, data: 'mia@example.com' })
    assert.deepEqual(await s.findOneTimeToken('v1', 'verify_email', at(1)), { userId: u.id, data: 'mia@example.com' }, 'still there')
    assert.equal(await s.findOneTimeToken('v1', 'reset', at(1)), null)
    assert.equal(await s.findOneTimeToken('v1', 'verify_email', at(60)), null, 'expired')
    await s.markMailSent(m.id, (await s.claimMail(at(61), 10, 60))[0]!.claimId)
    await s.createOneTimeToken({ tokenHash: 'r1', userId: u.id, purpose: 'password_reset', data: null, createdAt: at(0), expiresAt: at(600) }, false)
    await s.createOneTimeToken({ tokenHash: 'v3', userId: u.id, purpose: 'verify_email', data: null, createdAt: at(0), expiresAt: at(600) }, false)
    await s.deleteOneTimeTokens(u.id, ['verify_email'])
    assert.equal(await s.findOneTimeToken('v3', 'verify_email', at(1)), null, 'deleted')
    assert.notEqual(await s.findOneTimeToken('r1', 'password_reset', at(1)), null, 'other purposes stay')
    await s.enqueueMail(mail('old@example.com', at(0)))
    await s.enqueueMail(mail('new@example.com', at(100)))
    assert.equal(await s.purgeOutbox(at(50)), 1, 'retention drops what was queued before the cut-off')
    assert.equal(await s.purgeOutbox(at(101)), 1)
    // A token for a user that does not exist fails, and takes its message with it.
    const orphan = mail('x@example.com')
    await assert.rejects(
      s.createOneTimeToken(
        { tokenHash: 'v2', userId: crypto.randomUUID(), purpose: 'verify_email', data: null, createdAt: at(0), expiresAt: at(60) },
        false,
        orphan,
      ),
    )
    assert.deepEqual(await s.claimMail(at(3600), 10, 60), [], 'no message without its token')
  })

  // @see issue 12: a background job is its own thing, with its kind and payload.
  t('outbox: a job is claimed with its kind and payload, and no message', async (s) => {
    const id = crypto.randomUUID()
    await s.enqueueJob({ id, kind: 'reset_request', payload: '{"email":"a@example.com"}', createdAt: at(0) })
    const [job] = await s.claimMail(at(1), 10, 60)
    assert.deepEqual([job?.id, job?.kind, job?.data, job?.to], [id, 'reset_request', '{"email":"a@example.com"}', null])
    await assert.rejects(s.enqueueJob({ id: crypto.randomUUID(), kind: 'mail', payload: '', createdAt: at(0) }), /cannot be 'mail'/)
  })
}
