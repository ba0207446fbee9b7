// Gatehouse account pages: passkeys (the one thing on these pages that needs script).
// Every other form works without JavaScript. Uses @simplewebauthn/browser (webauthn.js, served by
// Gatehouse). The CSRF token goes in a header; the server checks it and the Origin as for forms.
;(() => {
  const lib = window.SimpleWebAuthnBrowser
  if (!lib || !lib.browserSupportsWebAuthn()) return

  const csrf = () => document.querySelector('input[name="csrf_token"]')?.value ?? ''
  const post = async (url, body) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf() },
      body: JSON.stringify(body),
      credentials: 'same-origin',
    })
    const data = await res.json().catch(() => ({}))
    if (!res.ok) throw new Error(typeof data.detail === 'string' ? data.detail : 'The passkey did not work. Try again.')
    return data
  }
  const show = (el, message) => {
    if (!el) return
    el.textContent = message
    el.hidden = false
  }
  const cancelled = (err) => err && (err.name === 'NotAllowedError' || err.name === 'AbortError')

  // Sign in: the button, and the browser's passkey autofill in the username field (conditional UI).
  const login = document.querySelector('[data-passkey-login]')
  if (login) {
    login.hidden = false
    const errorEl = login.querySelector('[data-passkey-error]')
    const signIn = async (autofill) => {
      const optionsJSON = await post('/account/login/passkey/options', {})
      const response = await lib.startAuthentication({ optionsJSON, useBrowserAutofill: autofill })
      const done = await post('/account/login/passkey', { response, return_to: login.dataset.returnTo ?? '/account' })
      window.location.assign(done.redirect)
    }
    login.querySelector('[data-passkey-signin]')?.addEventListener('click', () => {
      signIn(false).catch((err) => {
        if (!cancelled(err)) show(errorEl, err.message)
      })
    })
    lib.browserSupportsWebAuthnAutofill().then((yes) => {
      if (yes) signIn(true).catch(() => {})
    })
  }

  // Add a passkey (on /account/security).
  const add = document.querySelector('[data-passkey-add]')
  if (add) {
    add.hidden = false
    const errorEl = add.querySelector('[data-passkey-error]')
    add.querySelector('button')?.addEventListener('click', async () => {
      try {
        const value = (name) => add.querySelector(`input[name="${name}"]`)?.value ?? ''
        const optionsJSON = await post('/account/passkeys/options', { password: value('password'), otp: value('otp'), recovery_code: value('recovery_code') })
        const response = await lib.startRegistration({ optionsJSON })
        const name = value('passkey_name')
        await post('/account/passkeys', { name: name || undefined, response })
        window.location.assign('/account/security?notice=passkey_added')
      } catch (err) {
        if (!cancelled(err)) show(errorEl, err.message)
      }
    })
  }
})()
