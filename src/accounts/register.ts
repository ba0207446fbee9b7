import type { Deps } from '../deps/types.js'
import { type ClientMeta, recordWith } from '../events/events.js'
import { emailTaken, type FieldProblem, invalidField, invalidFields, problemsOf, registrationClosed, usernameTaken } from '../errors.js'
import { newId } from '../lib/ids.js'
import { StoreConflictError, type User } from '../store/store.js'
import { sendVerification } from './email.js'
import { emailFromInput, normalizeUsername, usernameKey } from './username.js'

export interface RegisterInput {
  username: string
  email?: string | null
  password?: string
  /** The tutorial's field name, which carried the plain password: a deprecated alias. */
  hashed_password?: string
}

type RegisterDeps = Pick<Deps, 'store' | 'hasher' | 'config' | 'clock' | 'commonPasswords' | 'events'>
type SignupDeps = RegisterDeps & Pick<Deps, 'mail' | 'limiter'>

/** Who created an account: the person themselves (sign-up), an admin, or the CLI (actorId null). */
export interface CreatedBy {
  via: 'signup' | 'admin' | 'cli'
  actorId: string | null
  meta: ClientMeta
}

import { assertPasswordAcceptable } from './password-policy.js'

export { assertPasswordAcceptable }

/** POST /register: sign-up. @throws DomainError registration_closed when registration is closed, else as `createAccount`. */
export async function registerUser(deps: SignupDeps, input: RegisterInput, meta: ClientMeta): Promise<User> {
  if (deps.config.registration === 'closed') throw registrationClosed()
  // With EMAIL_VERIFICATION=required an account without an email could never log in.
  if (deps.config.emailVerification === 'required' && !input.email?.trim()) throw invalidField(['body', 'email'], 'Field required', 'missing')
  const user = await createAccount(deps, input, ['user'], { via: 'signup', actorId: null, meta })
  if (user.email) await sendVerification(deps, user, user.email, meta)
  return user
}

/**
 * Creates an account with `roles` (sign-up, the admin API and the CLI all come here).
 * @throws DomainError invalid_fields on invalid fields, unknown roles or a weak password;
 * username_taken or email_taken.
 */
export async function createAccount(deps: RegisterDeps, input: RegisterInput, roles: string[], by: CreatedBy): Promise<User> {
  // Like FastAPI, report every field problem in one 422 rather than one per round trip.
  const issues: FieldProblem[] = []
  const collect = (fn: () => void) => {
    try {
      fn()
    } catch (err) {
      const problems = problemsOf(err)
      if (problems) issues.push(...problems)
      else throw err
    }
  }
  const username = normalizeUsername(input.username)
  if (!username) issues.push({ loc: ['body', 'username'], msg: 'Username must be 3 to 64 characters: letters, digits, _ . -', type: 'value_error' })
  let email: { email: string | null; emailKey: string | null } = { email: null, emailKey: null }
  collect(() => (email = emailFromInput(input.email)))
  const passwordField = input.password !== undefined ? 'password' : 'hashed_password'
  const password = input.password ?? input.hashed_password
  if (input.password !== undefined && input.hashed_password !== undefined) {
    issues.push({ loc: ['body', 'hashed_password'], msg: 'Send password or its deprecated alias hashed_password, not both', type: 'value_error' })
  } else if (password === undefined) {
    issues.push({ loc: ['body', 'password'], msg: 'Field required', type: 'missing' })
  } else {
    collect(() => assertPasswordAcceptable(deps, passwordField, password, { username: username ?? input.username, email: email.email }))
  }
  const unknownRoles = roles.filter((r) => !Object.hasOwn(deps.config.roleScopes, r))
  if (unknownRoles.length > 0) issues.push({ loc: ['body', 'roles'], msg: `Unknown role: ${unknownRoles.join(', ')}`, type: 'value_error' })
  if (issues.length > 0 || !username || password === undefined) throw invalidFields(issues)

  const key = usernameKey(username)
  // Fail fast before spending a hash; the UNIQUE index below still decides races.
  if (await deps.store.findUserForLogin(key)) throw usernameTaken()
  const passwordHash = await deps.hasher.hash(password, by.meta.signal)
  let user: User
  const self = by.via === 'signup'
  const id = newId()
  const uniqueRoles = [...new Set(roles)]
  const event = {
    type: self ? 'user.registered' : 'user.created',
    actorId: self ? id : by.actorId,
    subjectId: id,
    meta: by.meta,
    details: { username, roles: uniqueRoles, via: by.via },
  } as const
  try {
    // The account and its user.registered (or user.created) row commit together.
    const newUser = {
      id,
      username,
      usernameKey: key,
      email: email.email,
      emailKey: email.emailKey,
      passwordHash,
      roles: uniqueRoles,
      createdAt: deps.clock(),
    }
    user = await recordWith(
      deps.events,
      event,
      (audit) => deps.store.createUser(newUser, audit),
      () => true,
    )
  } catch (err) {
    if (err instanceof StoreConflictError) throw err.field === 'username' ? usernameTaken() : emailTaken()
    throw err
  }
  // An address an operator (admin API, CLI) gives counts as verified: they vouch for it, and under
  // EMAIL_VERIFICATION=required the account could not log in otherwise (no mail is sent for it).
  if (!self && user.email) user = (await deps.store.updateUser(user.id, { emailVerified: true }, deps.clock())) ?? user
  return user
}
