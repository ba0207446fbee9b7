import assert from 'node:assert/strict'
import { test } from 'node:test'
import { purgeExpired } from '../../src/sessions/retention.js'
import { buildTestApp, testClock } from '../helpers/build-app.js'
import { adminLogin, auditTypes, FORM, form, login, registerUser } from '../helpers/fixtures.js'

// @see issue 5: ended sessions and spent refresh tokens were never purged.
test('retention purges ended sessions (their refresh tokens with them) after SESSION_RETENTION, keeps live ones, their reuse evidence and the audit log', async (t) => {
  const clock = testClock()
  const { app, deps } = await buildTestApp(t, { SESSION_RETENTION: '1d' }, { clock })
  const admin = await adminLogin(app, deps)
  await registerUser(app)
  const ended = await login(app)
  await app.inject({ method: 'POST', url: '/logout', headers: { authorization: `Bearer ${ended.access_token}` } })
  const live = await login(app)
  const rotated = await app.inject({
    method: 'POST',
    url: '/token',
    headers: FORM,
    payload: form({ grant_type: 'refresh_token', refresh_token: live.refresh_token }),
  })
  const auditBefore = await auditTypes(app, admin.access_token)
  assert.equal(await purgeExpired(deps), 0, 'nothing is a day old yet')
  clock.advance(86_400 + 1)
  assert.equal(await purgeExpired(deps), 1, 'the ended session')
  const refresh = (refresh_token: string) =>
    app.inject({ method: 'POST', url: '/token', headers: FORM, payload: form({ grant_type: 'refresh_token', refresh_token }) })
  // A spent token of a live session is kept: presenting it still counts as reuse and ends the session.
  assert.equal((await refresh(live.refresh_token)).statusCode, 400)
  assert.equal((await refresh(rotated.json().refresh_token)).statusCode, 400, 'reuse ended the session, current token included')
  const fresh = await login(app, 'root', 'an administrator passphrase')
  assert.ok((await auditTypes(app, fresh.access_token)).includes('refresh.reused'))
  clock.advance(86_400 + 1)
  assert.equal(await purgeExpired(deps), 1, 'a day after it ended, the reused session goes too')
  const auditAfter = await auditTypes(app, (await login(app, 'root', 'an administrator passphrase')).access_token)
  assert.deepEqual(auditAfter.slice(0, auditBefore.length), auditBefore, 'the audit log is never purged')
})
