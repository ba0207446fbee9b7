import type { Deps } from '../deps/types.js'
import { retiredKeyKeepSeconds } from '../tokens/key-policy.js'

/**
 * Deletes what no longer serves anyone: sessions ended or expired more than SESSION_RETENTION
 * ago with their refresh tokens (spent ones included), authorization codes expired as long ago,
 * expired one-time tokens and passkey challenges, mail never sent, and signing keys retired long
 * enough that no token they signed can still verify. The audit log is never purged. @returns how
 * many rows went.
 */
export async function purgeExpired(deps: Pick<Deps, 'store' | 'clock' | 'config'>): Promise<number> {
  const now = deps.clock().getTime()
  const sessionCutoff = new Date(now - deps.config.sessionRetentionSeconds * 1000)
  const sessions = await deps.store.purgeSessions(sessionCutoff)
  // A redeemed code is kept past its expiry, as long as the sessions are: presented again, it is
  // still recognised as a replay and ends the session it created (RFC 6749 §4.1.2).
  const codes = await deps.store.purgeAuthorizationCodes(sessionCutoff)
  const tokens = await deps.store.purgeOneTimeTokens(new Date(now))
  const challenges = await deps.store.purgeWebauthnChallenges(new Date(now))
  const keys = await deps.store.purgeSigningKeys(new Date(now - retiredKeyKeepSeconds(deps.config) * 1000))
  // Mail the sender gave up on (it deletes what it sends): a day past its own two-day limit.
  const mail = await deps.store.purgeOutbox(new Date(now - 3 * 86_400_000))
  return sessions + codes + tokens + challenges + keys + mail
}
