import type { User } from '../store/store.js'
import { html, type SafeHtml } from './html.js'

/** What every page needs to draw its frame: who is signed in and the form token. */
export interface Frame {
  user: Pick<User, 'username'> | null
  csrf: string
}

const NAV = [
  ['/account', 'Profile'],
  ['/account/security', 'Security'],
  ['/account/sessions', 'Sessions'],
  ['/account/apps', 'Apps'],
] as const

/**
 * The page shell: one <h1>, the stylesheet and scripts from this server only (the CSP allows
 * nothing else), a skip link, and for a signed-in person the account navigation and a sign-out
 * form (a POST with the CSRF token: a link could be triggered by any page).
 */
export function layout(frame: Frame, page: { title: string; body: SafeHtml; scripts?: readonly string[]; current?: string }): string {
  const nav = frame.user
    ? html`<nav aria-label="Account"><ul>${NAV.map(
        ([href, label]) => html`<li><a href="${href}"${page.current === href ? html` aria-current="page"` : ''}>${label}</a></li>`,
      )}</ul>
      <form method="post" action="/account/logout" class="inline">${csrfField(frame.csrf)}<button type="submit" class="link">Sign out</button></form></nav>`
    : ''
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title} · Gatehouse</title>
<link rel="stylesheet" href="/account/assets/app.css">
${(page.scripts ?? []).map((src) => html`<script src="${src}" defer></script>`)}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header><p class="brand"><a href="/account">Gatehouse</a></p>${frame.user ? html`<p class="who">Signed in as <strong>${frame.user.username}</strong></p>` : ''}${nav}</header>
<main id="main">
<h1>${page.title}</h1>
${page.body}
</main>
</body>
</html>
`.value
}

export const csrfField = (token: string): SafeHtml => html`<input type="hidden" name="csrf_token" value="${token}">`

export interface FieldSpec {
  name: string
  label: string
  type?: 'text' | 'password' | 'email' | 'hidden'
  value?: string
  autocomplete?: string
  required?: boolean
  hint?: string
  inputmode?: 'numeric' | 'text'
  /** The API's words for what is wrong with this field, shown beside it. */
  error?: string | undefined
  autofocus?: boolean
  /** Makes the id unique where a page has two forms with a field of the same name. */
  idPrefix?: string
}

/** A labelled field with its hint and error tied to it for assistive technology (aria-describedby). */
export function field(f: FieldSpec): SafeHtml {
  const id = `${f.idPrefix ?? 'f'}-${f.name}`
  const described = [f.hint ? `${id}-hint` : '', f.error ? `${id}-error` : ''].filter(Boolean).join(' ')
  return html`<div class="field${f.error ? ' invalid' : ''}">
<label for="${id}">${f.label}</label>
${f.hint ? html`<p class="hint" id="${id}-hint">${f.hint}</p>` : ''}
<input id="${id}" name="${f.name}" type="${f.type ?? 'text'}"${f.value !== undefined && f.type !== 'password' ? html` value="${f.value}"` : ''}${
    f.autocomplete ? html` autocomplete="${f.autocomplete}"` : ''
  }${f.required ? html` required` : ''}${f.inputmode ? html` inputmode="${f.inputmode}"` : ''}${described ? html` aria-describedby="${described}"` : ''}${
    f.error ? html` aria-invalid="true"` : ''
  }${f.autofocus ? html` autofocus` : ''}>
${f.error ? html`<p class="error" id="${id}-error">${f.error}</p>` : ''}
</div>`
}

/** A message for the whole form (not one field): role=alert so it is announced when the page loads. */
export const formError = (message: string | undefined): SafeHtml => (message ? html`<p class="error form-error" role="alert">${message}</p>` : html``)

export const notice = (message: string | undefined): SafeHtml => (message ? html`<p class="notice" role="status">${message}</p>` : html``)
