// `gatehouse/verifier`: for a service that only checks Gatehouse's tokens. It loads jose and
// nothing of the server (no database driver, no Fastify).
export { createRemoteVerifier, type RemoteVerifier, type RemoteVerifierOptions } from './remote-verifier.js'
export { verifyRequest, type RequestHeaders, type Verdict } from '../guards/verify-request.js'
export type { AccessClaims, Principal, Requirement, TokenVerifier } from '../guards/principal.js'
export { DomainError, type ErrorCode } from '../errors.js'
