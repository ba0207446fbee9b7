// Issue 8: verification and password reset, delivered through a real SMTP server (smtp-server in
// this process) via the outbox.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildTestApp, sharedDatabase, testClock } from '../helpers/build-app.js'
import { auditTypes, adminLogin, bearer, FORM, form, login, PASSWORD, registerUser } from '../helpers/fixtures.js'
import { startSmtp, tokenIn } from '../helpers/smtp.js'

const MAIL_ENV = { PUBLIC_URL: 'https://app.example', APP_NAME: 'Acme Login', MAIL_FROM: 'Acme <no-reply@acme.example>' }
const post = (url: string, payload: object, headers: Record<string, string> = {}) => ({ method: 'POST' as const, url, payload, headers })

test('sign-up with an email sends a verification message (text and HTML, app name, expiry, link with token=); the token verifies once', async (t) => {
  const smtp = await startSmtp(t)
  const { app, deps } = await buildTestApp(t, { ...MAIL_ENV, SMTP_URL: smtp.url })
  const admin = await adminLogin(app, deps)
  await registerUser(app, { username: 'alice', email: 'Alice@Example.com' })
  const [m] = await smtp.waitFor(1)
  assert.deepEqual(m!.to, ['Alice@example.com'])
  assert.match(m!.decoded, /^Subject: Confirm your email for Acme Login$/m)
  assert.match(m!.decoded, /^From: Acme <no-reply@acme\.example>$/m)
  assert.match(m!.decoded, /https:\/\/app\.example\/account\/verify-email\?token=[A-Za-z0-9_-]{43}/)
  assert.match(m!.decoded, /expires in 24 hours/)
  assert.match(m!.decoded, /If you did not ask for this, ignore this message/)
  assert.match(m!.decoded, /Content-Type: text\/plain/)
  assert.match(m!.decoded, /Content-Type: text\/html/)
  const token = tokenIn(m!)

  assert.equal((await app.inject(post('/email/verify', { token: 'A'.repeat(43) }))).statusCode, 400, 'control: an unknown token')
  assert.equal((await app.inject(post('/email/verify', {}))).statusCode, 422)
  const ok = await app.inject(post('/email/verify', { token }))
  assert.equal(ok.statusCode, 200)
  assert.deepEqual([ok.json().email, ok.json().email_verified], ['Alice@example.com', true])
  const again = await app.inject(post('/email/verify', { token }))
  assert.equal(again.statusCode, 400)
  assert.deepEqual(again.json(), { detail: 'Invalid or expired token' })
  const types = await auditTypes(app, admin.access_token, `&user_id=${ok.json().id}`)
  assert.deepEqual(types, ['user.registered', 'email.verification_sent', 'email.verified'])
  assert.ok(!JSON.stringify(await deps.store.listAuditEvents({ limit: 100 })).includes(token), 'the token is not in the audit log')
})

test('POST /email/verify/request resends (202) and replaces the old token; 401 without a token, 400 with nothing to verify; tokens expire after 24 h', async (t) => {
  const smtp = await startSmtp(t)
  const clock = testClock(new Date())
  const { app } = await buildTestApp(t, { ...MAIL_ENV, SMTP_URL: smtp.url }, { clock })
  await registerUser(app, { email: 'bob@example.com', username: 'bob' })
  const { access_token } = await login(app, 'bob')
  assert.equal((await app.inject(post('/email/verify/request', {}))).statusCode, 401)
  const resend = await app.inject(post('/email/verify/request', {}, bearer(access_token)))
  assert.equal(resend.statusCode, 202)
  const [first, second] = await smtp.waitFor(2)
  assert.equal((await app.inject(post('/email/verify', { token: tokenIn(first!) }))).statusCode, 400, 'replaced by the resend')
  clock.advance(24 * 3600)
  assert.equal((await app.inject(post('/email/verify', { token: tokenIn(second!) }))).statusCode, 400, 'expired after 24 h')
  const { access_token: fresh } = await login(app, 'bob') // the day-old access token has expired too
  await app.inject(post('/email/verify/request', {}, bearer(fresh)))
  const [, , third] = await smtp.waitFor(3)
  assert.equal((await app.inject(post('/email/verify', { token: tokenIn(third!) }))).statusCode, 200)
  const nothing = await app.inject(post('/email/verify/request', {}, bearer(fresh)))
  assert.equal(nothing.statusCode, 400)
  assert.deepEqual(nothing.json(), { detail: 'No email address to verify' })
})

test('changing the email: the new address verifies it (only then does it change), the old one is told; a taken address answers alike and its link fails', async (t) => {
  const smtp = await startSmtp(t)
  const { app } = await buildTestApp(t, { ...MAIL_ENV, SMTP_URL: smtp.url })
  await registerUser(app, { username: 'carol', email: 'carol@old.example' })
  await registerUser(app, { username: 'dan', email: 'dan@example.com', password: 'dans own passphrase' })
  await smtp.waitFor(2)
  const { access_token } = await login(app, 'carol')
  const patch = (email: string) =>
    app.inject({ method: 'PATCH', url: '/users/me', headers: bearer(access_token), payload: { email, current_password: PASSWORD } })
  const res = await patch('carol@new.example')
  assert.deepEqual([res.json().email, res.json().pending_email], ['carol@old.example', 'carol@new.example'])
  const mails = (await smtp.waitFor(4)).slice(2)
  const toNew = mails.find((m) => m.to[0] === 'carol@new.example')!
  const toOld = mails.find((m) => m.to[0] === 'carol@old.example')!
  assert.match(toOld.decoded, /asked to change its email address/)
  assert.doesNotMatch(toOld.decoded, /token=/, 'the old address gets no link')
  const verified = await app.inject(post('/email/verify', { token: tokenIn(toNew) }))
  assert.deepEqual([verified.json().email, verified.json().email_verified, verified.json().pending_email], ['carol@new.example', true, null])

  const taken = await patch('dan@example.com')
  assert.equal(taken.statusCode, 200, 'same answer as for a free address')
  const [toDan] = (await smtp.waitFor(6)).slice(4).filter((m) => m.to[0] === 'dan@example.com')
  const refused = await app.inject(post('/email/verify', { token: tokenIn(toDan!) }))
  assert.equal(refused.statusCode, 400)
  assert.equal((await app.inject({ method: 'GET', url: '/users/me', headers: bearer(access_token) })).json().email, 'carol@new.example')
})

test('password reset: 202 for any address; weak password 422 without spending the token; 204 ends every session; the token works once; it expires after 1 h', async (t) => {
  const smtp = await startSmtp(t)
  const clock = testClock(new Date())
  const { app, deps } = await buildTestApp(t, { ...MAIL_ENV, SMTP_URL: smtp.url }, { clock })
  await registerUser(app, { username: 'erin', email: 'erin@example.com' })
  await smtp.waitFor(1)
  const session = await login(app, 'erin')
  assert.equal((await app.inject(post('/password/forgot', { email: 'nobody@example.com' }))).statusCode, 202)
  assert.equal((await app.inject(post('/password/forgot', { email: 'not an address' }))).statusCode, 422)
  assert.equal((await app.inject(post('/password/forgot', {}))).statusCode, 422)
  assert.equal((await app.inject(post('/password/forgot', { email: 'ERIN@example.com' }))).statusCode, 202)
  const [, m] = await smtp.waitFor(2)
  await new Promise((r) => setTimeout(r, 300))
  assert.equal(smtp.received.length, 2, 'nothing was sent for the unknown address')
  assert.deepEqual(m!.to, ['erin@example.com'])
  assert.match(m!.decoded, /Subject: Reset your Acme Login password/)
  assert.match(m!.decoded, /expires in 1 hour/)
  const token = tokenIn(m!)

  const weak = await app.inject(post('/password/reset', { token, new_password: 'password1' }))
  assert.equal(weak.statusCode, 422)
  assert.equal((await app.inject(post('/password/reset', { token: 'B'.repeat(43), new_password: 'a fresh passphrase' }))).statusCode, 400)
  const done = await app.inject(post('/password/reset', { token, new_password: 'a fresh passphrase' }))
  assert.equal(done.statusCode, 204)
  assert.equal((await app.inject({ method: 'GET', url: '/users/me', headers: bearer(session.access_token) })).statusCode, 401, 'every session ended')
  assert.equal((await app.inject({ method: 'POST', url: '/token', headers: FORM, payload: form({ username: 'erin', password: PASSWORD }) })).statusCode, 401)
  assert.equal(
    (await app.inject({ method: 'POST', url: '/token', headers: FORM, payload: form({ username: 'erin', password: 'a fresh passphrase' }) })).statusCode,
    200,
  )
  const reuse = await app.inject(post('/password/reset', { token, new_password: 'another fresh passphrase' }))
  assert.equal(reuse.statusCode, 400)
  assert.deepEqual(reuse.json(), { detail: 'Invalid or expired token' })

  await app.inject(post('/password/forgot', { email: 'erin@example.com' }))
  await app.inject(post('/password/forgot', { email: 'erin@example.com' }))
  const [, , older, newer] = await smtp.waitFor(4)
  assert.equal(
    (await app.inject(post('/password/reset', { token: tokenIn(older!), new_password: 'yet another passphrase' }))).statusCode,
    204,
    'a later request does not void a link already sent',
  )
  assert.equal(
    (await app.inject(post('/password/reset', { token: tokenIn(newer!), new_password: 'one more passphrase' }))).statusCode,
    400,
    'a reset spends every reset link',
  )
  await app.inject(post('/password/forgot', { email: 'erin@example.com' }))
  const latest = (await smtp.waitFor(5))[4]!
  clock.advance(3600)
  assert.equal((await app.inject(post('/password/reset', { token: tokenIn(latest), new_password: 'one more passphrase' }))).statusCode, 400, 'expired')
  const types = (await deps.store.listAuditEvents({ limit: 100, type: 'password.reset' })).length
  assert.equal(types, 2)
})

test('EMAIL_VERIFICATION=required: sign-up needs an email; the right password gets 403 until verified; a wrong one still 401', async (t) => {
  const smtp = await startSmtp(t)
  const { app } = await buildTestApp(t, { ...MAIL_ENV, SMTP_URL: smtp.url, EMAIL_VERIFICATION: 'required' })
  const noEmail = await app.inject(post('/register', { username: 'fay', password: PASSWORD }))
  assert.equal(noEmail.statusCode, 422)
  await registerUser(app, { username: 'fay', email: 'fay@example.com' })
  const attempt = (password: string) => app.inject({ method: 'POST', url: '/token', headers: FORM, payload: form({ username: 'fay', password }) })
  assert.equal((await attempt('wrong password here')).statusCode, 401)
  const blocked = await attempt(PASSWORD)
  assert.equal(blocked.statusCode, 403)
  assert.deepEqual(blocked.json(), { detail: 'Email not verified' })
  const [m] = await smtp.waitFor(1)
  assert.equal((await app.inject(post('/email/verify', { token: tokenIn(m!) }))).statusCode, 200)
  assert.equal((await attempt(PASSWORD)).statusCode, 200)
})

test('an SMTP failure delays a message, never drops it: retried with back-off until accepted', async (t) => {
  const smtp = await startSmtp(t)
  const clock = testClock(new Date())
  const { app } = await buildTestApp(t, { ...MAIL_ENV, SMTP_URL: smtp.url }, { clock })
  smtp.failNext(3)
  await registerUser(app, { username: 'gus', email: 'gus@example.com' })
  for (let i = 1; i <= 3; i++) {
    const until = Date.now() + 5_000
    while (smtp.refusedCount() < i && Date.now() < until) await new Promise((r) => setTimeout(r, 20))
    assert.equal(smtp.refusedCount(), i)
    assert.equal(smtp.received.length, 0)
    clock.advance(3600) // the back-off (5 s, 10 s, 20 s …) has passed
  }
  // The refusal is seen at the SMTP server before the sender records it: its retry time may be
  // set from the advanced clock, so time keeps moving until the message arrives.
  const until = Date.now() + 10_000
  while (smtp.received.length === 0 && Date.now() < until) {
    clock.advance(60)
    await new Promise((r) => setTimeout(r, 100))
  }
  assert.equal(smtp.refusedCount(), 3, 'no attempt beyond the three refused')
  const [m] = await smtp.waitFor(1)
  assert.deepEqual(m!.to, ['gus@example.com'])
})

test('two senders on one database (two workers or instances) deliver each message exactly once', async (t) => {
  const smtp = await startSmtp(t)
  const env = { ...MAIL_ENV, SMTP_URL: smtp.url, ...sharedDatabase(t) }
  const a = await buildTestApp(t, env)
  const b = await buildTestApp(t, env)
  for (let i = 0; i < 12; i++) await registerUser(i % 2 ? a.app : b.app, { username: `user${i}`, email: `user${i}@example.com` })
  const got = await smtp.waitFor(12)
  await new Promise((r) => setTimeout(r, 1500)) // both senders polled again meanwhile
  assert.equal(smtp.received.length, 12)
  assert.equal(new Set(got.map((m) => m.to[0])).size, 12)
})

test('requests never wait on SMTP: with a mail server taking 2 s per message, /password/forgot still answers at once', async (t) => {
  const smtp = await startSmtp(t, { delayMs: 2_000 })
  const { app } = await buildTestApp(t, { ...MAIL_ENV, SMTP_URL: smtp.url })
  await registerUser(app, { username: 'hal', email: 'hal@example.com' })
  const t0 = performance.now()
  const res = await app.inject(post('/password/forgot', { email: 'hal@example.com' }))
  assert.equal(res.statusCode, 202)
  assert.ok(performance.now() - t0 < 1_000, `${performance.now() - t0} ms`)
  await smtp.waitFor(2)
})

test('/password/forgot takes the same time whether or not an account has the address (medians within 15%)', async (t) => {
  const { app, deps } = await buildTestApp(t, { ...MAIL_ENV, ...sharedDatabase(t) })
  for (let i = 0; i < 3; i++) await registerUser(app, { username: `known${i}`, email: `known${i}@example.com` })
  // The answer is the request's half only (one queued job, the same for every address); the
  // lookup, the token and the message are the sender's half, whose own cost is the same for every
  // address by construction (processResetRequest). The sender is stopped here so that neither
  // half's background work can fall inside a sample: on CI, with other suites beside it, that
  // work (it differs by address) kept landing in some samples and not others, however the test
  // waited for it (three failures in two days at 1.2-1.4x, none when run alone).
  await deps.mail.stop()
  const time = async (email: string) => {
    const t0 = performance.now()
    const res = await app.inject(post('/password/forgot', { email }))
    assert.equal(res.statusCode, 202)
    return performance.now() - t0
  }
  const known: number[] = []
  const unknown: number[] = []
  // In a random order within each pair, and compared pair by pair.
  for (let i = 0; i < 41; i++) {
    const pair = [() => time(`known${i % 3}@example.com`).then((ms) => known.push(ms)), () => time(`stranger${i}@example.com`).then((ms) => unknown.push(ms))]
    if (Math.random() < 0.5) pair.reverse()
    for (const run of pair) await run()
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!
  const [k, u] = [median(known), median(unknown)]
  // Paired within each pair of requests, so load that comes and goes (CI's other lanes) cancels out.
  const ratio = median(known.map((ms, i) => ms / unknown[i]!))
  t.diagnostic(`median known ${k.toFixed(2)} ms, unknown ${u.toFixed(2)} ms, median ratio ${ratio.toFixed(3)}`)
  assert.ok(Math.abs(ratio - 1) < 0.15, `known ${k.toFixed(2)} ms vs unknown ${u.toFixed(2)} ms (median ratio ${ratio.toFixed(3)})`)
})

// @see the issue 8 review: links sent before must not outlive a reset, and a reset proves the mailbox.
test('a reset voids a pending change of address someone else asked for, and verifies the email (the way back in under EMAIL_VERIFICATION=required)', async (t) => {
  const smtp = await startSmtp(t)
  const { app } = await buildTestApp(t, { ...MAIL_ENV, SMTP_URL: smtp.url, EMAIL_VERIFICATION: 'required' })
  await registerUser(app, { username: 'ivy', email: 'ivy@example.com' })
  await smtp.waitFor(1) // the sign-up link, lost: ivy never uses it
  // Someone who knows the password cannot log in (unverified), but a reset gets ivy in.
  assert.equal((await app.inject({ method: 'POST', url: '/token', headers: FORM, payload: form({ username: 'ivy', password: PASSWORD }) })).statusCode, 403)
  await app.inject(post('/password/forgot', { email: 'ivy@example.com' }))
  const [, reset] = await smtp.waitFor(2)
  assert.equal((await app.inject(post('/password/reset', { token: tokenIn(reset!), new_password: 'ivys fresh passphrase' }))).statusCode, 204)
  const ok = await app.inject({ method: 'POST', url: '/token', headers: FORM, payload: form({ username: 'ivy', password: 'ivys fresh passphrase' }) })
  assert.equal(ok.statusCode, 200, 'the reset verified the address')

  // An intruder with that password asks to move the account to their address...
  const intruder = ok.json().access_token as string
  await app.inject({
    method: 'PATCH',
    url: '/users/me',
    headers: bearer(intruder),
    payload: { email: 'thief@evil.example', current_password: 'ivys fresh passphrase' },
  })
  const toThief = (await smtp.waitFor(4)).find((m) => m.to[0] === 'thief@evil.example')!
  // ...ivy resets the password; the intruder's link must now be dead.
  await app.inject(post('/password/forgot', { email: 'ivy@example.com' }))
  const again = (await smtp.waitFor(5)).at(-1)!
  assert.equal((await app.inject(post('/password/reset', { token: tokenIn(again), new_password: 'ivys newest passphrase' }))).statusCode, 204)
  assert.equal((await app.inject(post('/email/verify', { token: tokenIn(toThief) }))).statusCode, 400)
})

test('an address set by an operator counts as verified; a 5xx from SMTP drops the message instead of retrying it forever', async (t) => {
  const smtp = await startSmtp(t)
  const clock = testClock(new Date())
  const { app, deps } = await buildTestApp(t, { ...MAIL_ENV, SMTP_URL: smtp.url }, { clock })
  const admin = await adminLogin(app, deps)
  const created = await app.inject({
    method: 'POST',
    url: '/admin/users',
    headers: bearer(admin.access_token),
    payload: { username: 'joan', email: 'joan@example.com', password: PASSWORD },
  })
  assert.equal(created.statusCode, 201, created.body)
  assert.equal(created.json().email_verified, true)

  smtp.failNext(1, { permanent: true })
  await registerUser(app, { username: 'kay', email: 'kay@example.com' })
  const until = Date.now() + 5_000
  while (smtp.refusedCount() < 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 20))
  clock.advance(3600)
  await new Promise((r) => setTimeout(r, 1500))
  assert.equal(smtp.refusedCount(), 1)
  assert.equal(smtp.received.length, 0, 'not tried again after a permanent refusal')
})

test('PATCH /users/me spends the target address budget (it sends mail): past five changes to one address in an hour, 200 but no more mail', async (t) => {
  const smtp = await startSmtp(t)
  const { app } = await buildTestApp(t, { ...MAIL_ENV, SMTP_URL: smtp.url, RATE_LIMIT: 'on' })
  const statuses: number[] = []
  for (let i = 0; i < 3; i++) await registerUser(app, { username: `pat${i}`, password: `pat${i}s own passphrase` })
  for (let i = 0; i < 6; i++) {
    const { access_token } = await login(app, `pat${i % 3}`, `pat${i % 3}s own passphrase`)
    const res = await app.inject({
      method: 'PATCH',
      url: '/users/me',
      headers: bearer(access_token),
      payload: { email: i % 2 ? 'victim@example.com' : 'VICTIM@example.com', current_password: `pat${i % 3}s own passphrase` },
    })
    statuses.push(res.statusCode)
  }
  assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200], 'the same answer past the budget')
  await smtp.waitFor(5)
  await new Promise((r) => setTimeout(r, 300))
  assert.equal(smtp.received.filter((m) => m.to[0]?.toLowerCase() === 'victim@example.com').length, 5)
})

test('MAIL_TEMPLATES_DIR replaces a template; the others stay built in', async (t) => {
  const smtp = await startSmtp(t)
  const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-templates-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'verify-email.txt'), 'Subject: Welcome {{username}} to {{app}}\n\nClick {{link}} within {{expires}}.\n')
  writeFileSync(join(dir, 'verify-email.html'), '<p>Hi {{username}}: <a href="{{link}}">go</a></p>')
  const { app } = await buildTestApp(t, { ...MAIL_ENV, SMTP_URL: smtp.url, MAIL_TEMPLATES_DIR: dir })
  await registerUser(app, { username: 'o.brien', email: 'ob@example.com' })
  const [m] = await smtp.waitFor(1)
  assert.match(m!.decoded, /Subject: Welcome o\.brien to Acme Login/)
  assert.match(m!.decoded, /Click https:\/\/app\.example\/account\/verify-email\?token=[A-Za-z0-9_-]{43} within 24 hours\./)
  assert.match(m!.decoded, /<p>Hi o\.brien: <a href="https:\/\/app\.example/)
  await app.inject(post('/password/forgot', { email: 'ob@example.com' }))
  const [, reset] = await smtp.waitFor(2)
  assert.match(reset!.decoded, /Subject: Reset your Acme Login password/, 'the built-in template for the rest')
})

// @see issue 12
test('requests with no address share no mail-target bucket: wrong-password email removals cannot block everyone else from removing theirs', async (t) => {
  const { app } = await buildTestApp(t, { ...MAIL_ENV, RATE_LIMIT: 'on' })
  const remove = (token: string, current_password: string, remoteAddress: string) =>
    app.inject({ method: 'PATCH', url: '/users/me', headers: bearer(token), remoteAddress, payload: { email: null, current_password } })
  for (const name of ['mallory', 'quinn', 'ruth']) await registerUser(app, { username: name, email: `${name}@example.com` })
  const quinn = await login(app, 'quinn')
  const control = await remove(quinn.access_token, PASSWORD, '198.51.100.7')
  assert.equal(control.statusCode, 200, 'control: the owner removes their email')
  assert.equal(control.json().email, null)

  const mallory = await login(app, 'mallory')
  const statuses: number[] = []
  for (let i = 0; i < 6; i++) statuses.push((await remove(mallory.access_token, 'not the password', '203.0.113.66')).statusCode)
  assert.ok(
    statuses.every((s) => s === 403 || s === 429),
    String(statuses),
  )
  const ruth = await login(app, 'ruth')
  const res = await remove(ruth.access_token, PASSWORD, '198.51.100.8')
  assert.equal(res.statusCode, 200, res.body)
  assert.equal(res.json().email, null)
})

// @see issue 12
test('sign-up and resend spend the per-address mail budget, deleted accounts included: register, delete, repeat sends five mails, not one per cycle', async (t) => {
  const smtp = await startSmtp(t)
  const clock = testClock(new Date())
  const { app } = await buildTestApp(t, { ...MAIL_ENV, SMTP_URL: smtp.url, RATE_LIMIT: 'on' }, { clock })
  const toVictim = () => smtp.received.filter((m) => m.to[0] === 'victim@example.com').length
  const cycle = async (i: number) => {
    const created = await app.inject(post('/register', { username: `cycle${i}`, email: 'victim@example.com', password: PASSWORD }))
    assert.equal(created.statusCode, 201, created.body)
    const { access_token } = await login(app, `cycle${i}`)
    const del = await app.inject({ method: 'DELETE', url: '/users/me', headers: bearer(access_token), payload: { password: PASSWORD } })
    assert.equal(del.statusCode, 204)
  }
  await cycle(0)
  await smtp.waitFor(1)
  assert.equal(toVictim(), 1, 'control: sign-up with an email sends its verification message')
  for (let i = 1; i < 7; i++) await cycle(i)
  await smtp.waitFor(5)
  // A resend for an unverified address answers 202 as before, but the budget is spent too.
  await registerUser(app, { username: 'holder', email: 'victim@example.com' })
  const { access_token } = await login(app, 'holder')
  assert.equal((await app.inject(post('/email/verify/request', {}, bearer(access_token)))).statusCode, 202)
  await new Promise((r) => setTimeout(r, 400))
  assert.equal(toVictim(), 5, 'seven sign-ups and a resend: five messages')

  clock.advance(3600) // for a while only
  const { access_token: fresh } = await login(app, 'holder')
  assert.equal((await app.inject(post('/email/verify/request', {}, bearer(fresh)))).statusCode, 202)
  await smtp.waitFor(6)
  assert.equal(toVictim(), 6)
})

// @see issue 12
test('reset requests for one address coalesce: five for a victim no longer lock the owner out; the link already sent stays usable; mail stays bounded', async (t) => {
  const smtp = await startSmtp(t)
  const clock = testClock(new Date())
  const { app, deps } = await buildTestApp(t, { ...MAIL_ENV, SMTP_URL: smtp.url, RATE_LIMIT: 'on' }, { clock })
  // The sender handles each request in the background: wait for it before moving the clock.
  let handled = 0
  const settled = async () => {
    handled++
    const until = Date.now() + 5_000
    while ((await deps.store.listAuditEvents({ limit: 100, type: 'password.reset_requested' })).length < handled && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 10))
    }
  }
  await registerUser(app, { username: 'vera', email: 'vera@example.com' })
  await smtp.waitFor(1)
  const forgot = (remoteAddress: string) => app.inject({ ...post('/password/forgot', { email: 'vera@example.com' }), remoteAddress })
  const resets = () => smtp.received.filter((m) => /Subject: Reset your/.test(m.decoded))
  assert.equal((await forgot('198.51.100.1')).statusCode, 202)
  await settled()
  await smtp.waitFor(2)
  assert.equal(resets().length, 1, 'control: the owner gets a reset link')

  // Someone else asks for vera's reset over and over, from many addresses.
  for (let i = 0; i < 5; i++) {
    assert.equal((await forgot(`203.0.113.${i + 10}`)).statusCode, 202)
    await settled()
  }
  const own = await forgot('198.51.100.1')
  await settled()
  assert.equal(own.statusCode, 202, 'the owner is never refused')
  await new Promise((r) => setTimeout(r, 400))
  assert.equal(resets().length, 1, 'coalesced: a link went out moments ago')
  const used = await app.inject(post('/password/reset', { token: tokenIn(resets()[0]!), new_password: 'veras new passphrase' }))
  assert.equal(used.statusCode, 204, 'the link already sent still works')

  // Asked for every five minutes for the rest of the hour: at most the budget's five messages.
  for (let i = 0; i < 11; i++) {
    clock.advance(301)
    assert.equal((await forgot(`203.0.113.${i + 50}`)).statusCode, 202)
    await settled()
  }
  await smtp.waitFor(5)
  await new Promise((r) => setTimeout(r, 400))
  assert.equal(resets().length, 4, 'bounded by the per-address budget (five, the sign-up message included)')
  const last = resets().at(-1)!
  assert.equal((await app.inject(post('/password/reset', { token: tokenIn(last), new_password: 'veras newer passphrase' }))).statusCode, 204)
})
