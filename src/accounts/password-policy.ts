import type { Deps } from '../deps/types.js'
import { invalidField } from '../errors.js'
import { passwordProblem } from '../passwords/policy.js'

/** Checks the password policy, or throws a 422 naming the field and the reason. */
export function assertPasswordAcceptable(
  deps: Pick<Deps, 'config' | 'commonPasswords'>,
  field: string,
  password: string,
  who: { username: string; email: string | null },
): void {
  const problem = passwordProblem(password, { ...who, minLength: deps.config.passwordMinLength }, deps.commonPasswords)
  if (problem) throw invalidField(['body', field], problem, 'value_error')
}
