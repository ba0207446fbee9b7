// `gatehouse` and `gatehouse/server`: Gatehouse inside your service. A deliberate public surface
// (not a barrel): everything not exported here or from the other subpaths is internal.
//   gatehouse/verifier  verify Gatehouse tokens in another service (JWKS), framework-neutral
//   gatehouse/fastify   the Fastify plugin: guards on your own Fastify app
//   gatehouse/express   guards as Express middleware
//   gatehouse/hono      guards as Hono middleware
export { createGatehouse, type Gatehouse, type GatehouseOptions } from './gatehouse.js'
export { serve } from './server.js'
export { loadConfig, ConfigError, type Config, type Env } from './config.js'
export { DomainError, type ErrorCode } from './errors.js'
export { StoreOpenError } from './store/open-error.js'
export type { AuthContext } from './guards/session-check.js'
export type { Principal, Requirement, TokenVerifier, AccessClaims } from './guards/principal.js'
export type { User } from './store/store.js'
