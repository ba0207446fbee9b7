/**
 * Versioned schema for the SQLite back end, applied in order at start. Never edit a released
 * migration: add the next one. Kept in TypeScript so the compiled build carries them.
 * Times are integer milliseconds since the epoch.
 */
export const SQLITE_MIGRATIONS: { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'init',
    sql: `
CREATE TABLE users (
  id              TEXT PRIMARY KEY,
  username        TEXT NOT NULL,
  username_key    TEXT NOT NULL UNIQUE,
  email           TEXT,
  email_key       TEXT UNIQUE,
  email_verified  INTEGER NOT NULL DEFAULT 0,
  password_hash   TEXT NOT NULL,
  roles           TEXT NOT NULL DEFAULT '["user"]',
  disabled        INTEGER NOT NULL DEFAULT 0,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
) STRICT;

CREATE TABLE sessions (
  id               TEXT PRIMARY KEY,
  user_id          TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  scope            TEXT NOT NULL,
  created_at       INTEGER NOT NULL,
  last_used_at     INTEGER NOT NULL,
  expires_at       INTEGER NOT NULL,
  idle_expires_at  INTEGER NOT NULL,
  ended_at         INTEGER,
  user_agent       TEXT,
  ip               TEXT
) STRICT;
CREATE INDEX sessions_user ON sessions(user_id, created_at);

CREATE TABLE refresh_tokens (
  token_hash  TEXT PRIMARY KEY,
  session_id  TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  issued_at   INTEGER NOT NULL,
  used_at     INTEGER
) STRICT;
CREATE INDEX refresh_tokens_session ON refresh_tokens(session_id);

CREATE TABLE signing_keys (
  kid           TEXT PRIMARY KEY,
  alg           TEXT NOT NULL,
  public_jwk    TEXT NOT NULL,
  private_jwk   TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  activates_at  INTEGER NOT NULL,
  retires_at    INTEGER
) STRICT;
`,
  },
  {
    version: 2,
    name: 'operate',
    sql: `
-- Refresh grace: the successor token sealed under the one it replaced (tokens/refresh-token.ts).
ALTER TABLE refresh_tokens ADD COLUMN sealed_successor TEXT;
CREATE INDEX sessions_ended ON sessions(ended_at);

CREATE TABLE one_time_tokens (
  token_hash  TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  purpose     TEXT NOT NULL,
  data        TEXT,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX one_time_tokens_user ON one_time_tokens(user_id, purpose);

-- Append-only and hash-chained (store/audit-chain.ts). No foreign keys: the trail outlives the user.
CREATE TABLE audit_events (
  id          INTEGER PRIMARY KEY,
  type        TEXT NOT NULL,
  at          INTEGER NOT NULL,
  actor_id    TEXT,
  subject_id  TEXT,
  ip          TEXT,
  user_agent  TEXT,
  details     TEXT NOT NULL,
  prev_hash   TEXT NOT NULL,
  hash        TEXT NOT NULL
) STRICT;
CREATE INDEX audit_events_actor ON audit_events(actor_id, id);
CREATE INDEX audit_events_subject ON audit_events(subject_id, id);
CREATE INDEX audit_events_type ON audit_events(type, id);
`,
  },
  {
    version: 3,
    name: 'email',
    sql: `
ALTER TABLE users ADD COLUMN pending_email TEXT;

-- Messages waiting for the sender (mail/outbox-sender.ts), and requests it turns into messages
-- (kind <> 'mail'); deleted once done.
CREATE TABLE outbox (
  id               TEXT PRIMARY KEY,
  kind             TEXT NOT NULL DEFAULT 'mail',
  data             TEXT,
  to_address       TEXT,
  subject          TEXT NOT NULL,
  text             TEXT NOT NULL,
  html             TEXT NOT NULL,
  created_at       INTEGER NOT NULL,
  next_attempt_at  INTEGER NOT NULL,
  attempts         INTEGER NOT NULL DEFAULT 0,
  lease_until      INTEGER,
  claim_id         TEXT,
  last_error       TEXT
) STRICT;
CREATE INDEX outbox_due ON outbox(next_attempt_at);
`,
  },
  {
    version: 4,
    name: 'mfa',
    sql: `
-- Kept by confirmTotp/deleteTotp only, in the transaction that changes the factor.
ALTER TABLE users ADD COLUMN totp_enabled INTEGER NOT NULL DEFAULT 0;
-- How and when the user authenticated; existing sessions were password logins at their start.
ALTER TABLE sessions ADD COLUMN amr TEXT NOT NULL DEFAULT '["pwd"]';
ALTER TABLE sessions ADD COLUMN auth_time INTEGER NOT NULL DEFAULT 0;
UPDATE sessions SET auth_time = created_at;

CREATE TABLE totp_factors (
  user_id         TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  secret          TEXT NOT NULL,
  confirmed_at    INTEGER,
  last_used_step  INTEGER,
  created_at      INTEGER NOT NULL
) STRICT;

CREATE TABLE recovery_codes (
  user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  code_hash   TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  used_at     INTEGER,
  PRIMARY KEY (user_id, code_hash)
) STRICT;
`,
  },
  {
    version: 5,
    name: 'passkeys',
    sql: `
-- WebAuthn credentials (store/passkeys.ts). Keys and ids are base64url text.
CREATE TABLE passkeys (
  id             TEXT PRIMARY KEY,
  user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  credential_id  TEXT NOT NULL UNIQUE,
  public_key     TEXT NOT NULL,
  counter        INTEGER NOT NULL DEFAULT 0,
  transports     TEXT NOT NULL DEFAULT '[]',
  device_type    TEXT NOT NULL,
  backed_up      INTEGER NOT NULL DEFAULT 0,
  name           TEXT NOT NULL,
  user_handle    TEXT NOT NULL,
  aaguid         TEXT,
  created_at     INTEGER NOT NULL,
  last_used_at   INTEGER
) STRICT;
CREATE INDEX passkeys_user ON passkeys(user_id, created_at);

-- Single-use ceremony challenges, by hash; user_id is null for a sign-in without a username.
CREATE TABLE webauthn_challenges (
  challenge_hash  TEXT PRIMARY KEY,
  ceremony        TEXT NOT NULL,
  user_id         TEXT REFERENCES users(id) ON DELETE CASCADE,
  data            TEXT,
  created_at      INTEGER NOT NULL,
  expires_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX webauthn_challenges_expires ON webauthn_challenges(expires_at);
CREATE INDEX webauthn_challenges_user ON webauthn_challenges(user_id, ceremony);
`,
  },
  {
    version: 6,
    name: 'webauthn-challenge-age',
    sql: `
-- The cap on live sign-in challenges counts and evicts the oldest of one ceremony: by index, not a scan.
CREATE INDEX webauthn_challenges_age ON webauthn_challenges(ceremony, created_at);
`,
  },
  {
    version: 7,
    name: 'clients',
    sql: `
-- OpenID Connect clients (store/clients.ts). Lists are JSON text; secret_hash is null for a public
-- client, else the HMAC-SHA-256 of its secret (oidc/client-secret.ts): the secret itself is never stored.
CREATE TABLE clients (
  id                            TEXT PRIMARY KEY,
  name                          TEXT NOT NULL,
  confidential                  INTEGER NOT NULL,
  first_party                   INTEGER NOT NULL DEFAULT 0,
  grant_types                   TEXT NOT NULL,
  scopes                        TEXT NOT NULL,
  redirect_uris                 TEXT NOT NULL,
  post_logout_redirect_uris     TEXT NOT NULL DEFAULT '[]',
  id_token_signed_response_alg  TEXT,
  secret_hash                   TEXT,
  created_at                    INTEGER NOT NULL,
  updated_at                    INTEGER NOT NULL
) STRICT;
CREATE INDEX clients_created ON clients(created_at, id);

-- The client a session was issued to (null: the password grant, the account pages). Set by the
-- authorization code grant (later); deleting a client ends its sessions. No foreign key: an ended
-- session keeps naming the client it belonged to.
ALTER TABLE sessions ADD COLUMN client_id TEXT;
CREATE INDEX sessions_client ON sessions(client_id) WHERE client_id IS NOT NULL;
`,
  },
  {
    version: 8,
    name: 'oidc-grants',
    sql: `
-- Authorization codes (store/authorization-codes.ts), by the SHA-256 of the code: the code itself
-- is never stored. A redeemed code stays (consumed_at set) until retention, so a replay is
-- recognised and ends the session it created (RFC 6749 §4.1.2); session_id is that session's id,
-- chosen when the code is issued. browser_session_id has no foreign key: it is only the ID token's
-- sid, and the browser session may be purged first.
CREATE TABLE authorization_codes (
  code_hash           TEXT PRIMARY KEY,
  client_id           TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  user_id             TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  redirect_uri        TEXT NOT NULL,
  code_challenge      TEXT NOT NULL,
  nonce               TEXT,
  scope               TEXT NOT NULL,
  browser_session_id  TEXT NOT NULL,
  auth_time           INTEGER NOT NULL,
  amr                 TEXT NOT NULL,
  session_id          TEXT NOT NULL UNIQUE,
  created_at          INTEGER NOT NULL,
  expires_at          INTEGER NOT NULL,
  consumed_at         INTEGER
) STRICT;
-- The per-user cap (oldest first), a revoked consent's codes, and the user's cascade.
CREATE INDEX authorization_codes_user ON authorization_codes(user_id, created_at);
-- The live-code cap counts only unspent codes; spent ones stay (replay detection) until retention.
CREATE INDEX authorization_codes_live ON authorization_codes(user_id, created_at) WHERE consumed_at IS NULL;
CREATE INDEX authorization_codes_client ON authorization_codes(client_id);
CREATE INDEX authorization_codes_expires ON authorization_codes(expires_at);

-- A user's consent to a third-party client (store/consents.ts): the union of the scopes granted, JSON text.
CREATE TABLE consents (
  user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  client_id   TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  scopes      TEXT NOT NULL,
  granted_at  INTEGER NOT NULL,
  PRIMARY KEY (user_id, client_id)
) STRICT;
CREATE INDEX consents_client ON consents(client_id);
`,
  },
]
