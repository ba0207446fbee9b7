// What integrators import from 'gatehouse': build the app, add routes, guard them.
// A deliberate public surface (not a convenience barrel): everything else is internal.
export { buildApp } from './app.js'
export { loadConfig, ConfigError, type Config } from './config.js'
export { createDeps, closeDeps, type Deps } from './deps.js'
export { requireUser, requireScope, currentAuth, authenticate, type AuthContext } from './http/auth.js'
export { HttpError } from './errors.js'
export type { User } from './store/store.js'
export { createRemoteVerifier, type RemoteVerifierOptions } from './verifier/remote-verifier.js'
