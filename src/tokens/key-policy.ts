import type { Config } from '../config.js'

/**
 * How often a running instance re-reads the signing keys, to follow rotations made elsewhere.
 * Far below KEY_PUBLISH_LEAD's default, so with the default lead every instance knows a next key
 * before it signs (with `--now` or a lead under this, others lag by up to this long).
 */
export const KEY_RELOAD_MS = 10_000

/** How long a retired key stays published and verifying: its last tokens' lifetime, leeway and reload lag. */
export const retiredKeyKeepSeconds = (config: Readonly<Config>) => config.accessTokenTtlSeconds + config.jwtLeewaySeconds + KEY_RELOAD_MS / 1000
