import assert from 'node:assert/strict'
import { test } from 'node:test'
import { purgeExpired } from '../../src/sessions/retention.js'
import { buildTestApp, testClock } from '../helpers/build-app.js'
import { adminLogin, auditTypes, FORM, form, login, registerUser } from '../helpers/fixtures.js'

// @see issue 5: ended sessions and spent refresh tokens were never purged.
test('retention purges ended sessions and spent refresh tokens after SESSION_RETENTION, keeps live ones and the audit log', async (t) => {
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
  assert.equal(await purgeExpired(deps), 2, 'the ended session and the spent refresh token')
  const current = await app.inject({
    method: 'POST',
    url: '/token',
    headers: FORM,
    payload: form({ grant_type: 'refresh_token', refresh_token: rotated.json().refresh_token }),
  })
  assert.equal(current.statusCode, 200, 'the live session and its current token survive')
  const auditAfter = await auditTypes(app, (await login(app, 'root', 'an administrator passphrase')).access_token)
  assert.deepEqual(auditAfter.slice(0, auditBefore.length), auditBefore, 'the audit log is never purged')
})
