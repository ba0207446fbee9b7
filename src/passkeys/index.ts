/**
 * Passkeys, for every edge: the bearer API (http/routes/passkeys.ts, the /token passkey grant) and
 * the account pages call these with a user they authenticated their own way. No HTTP in here:
 * errors are DomainErrors (passkeys_unavailable, passkey_invalid, passkey_registration_invalid,
 * passkey_already_registered, passkey_not_discoverable, passkey_limit, passkey_user_verification_required, reauthentication_required, not_found ...).
 */
export { authenticateWithPasskey, passkeyAuthenticationOptions } from './authentication.js'
export { type PasskeyDeps, type PasskeyView, toPasskeyView } from './common.js'
export { listPasskeys, mayRemovePasskey, removePasskey, renamePasskey } from './manage.js'
export {
  PASSKEY_ADD_FRESH_SECONDS,
  type PasskeyAddProof,
  type PasskeyRegistrationDeps,
  passkeyRegistrationOptions,
  registerPasskey,
} from './registration.js'
