import assert from 'node:assert/strict'
import { test } from 'node:test'
import { humanDuration } from '../../src/mail/service.js'
import { loadTemplates } from '../../src/mail/templates.js'

test('templates: values are HTML-escaped in the HTML part and kept to one line in the subject (no header injection)', () => {
  const render = loadTemplates(null)
  const m = render('verify-email', {
    app: 'Acme\r\nBcc: all@example.com',
    username: '<script>alert(1)</script>',
    email: 'a"b@example.com',
    link: 'https://x/?token=abc',
    expires: '24 hours',
  })
  assert.doesNotMatch(m.subject, /[\r\n]/)
  assert.match(m.subject, /Acme Bcc: all@example\.com/)
  assert.ok(!m.html.includes('<script>'), m.html)
  assert.match(m.html, /&#60;script&#62;/)
  assert.match(m.html, /a&#34;b@example\.com/)
  assert.match(m.text, /https:\/\/x\/\?token=abc/)
})

test('templates: a malformed override fails at load, not when a user needs the message', async (t) => {
  const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-templates-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'test.txt'), 'no subject line here')
  assert.throws(() => loadTemplates(dir), /test\.txt: the first line must be "Subject:/)
})

test('expiry in words', () => {
  assert.equal(humanDuration(86_400), '24 hours')
  assert.equal(humanDuration(3_600), '1 hour')
  assert.equal(humanDuration(2 * 86_400), '2 days')
  assert.equal(humanDuration(1_800), '30 minutes')
  assert.equal(humanDuration(90), '90 seconds')
})
