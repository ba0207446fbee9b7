/**
 * Versioned schema for the PostgreSQL back end: the same tables and column names as SQLite's
 * (sqlite/migrations.ts), in PostgreSQL's types. Never edit a released migration: add the next.
 * Usernames and emails are compared through their case-folded keys under the "C" collation, so
 * ordering and uniqueness match SQLite's byte order exactly (keyset paging relies on it).
 */
export const POSTGRES_MIGRATIONS: { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'init',
    sql: `
CREATE TABLE users (
  id              text PRIMARY KEY,
  username        text NOT NULL,
  username_key    text COLLATE "C" NOT NULL CONSTRAINT users_username_key_unique UNIQUE,
  email           text,
  email_key       text COLLATE "C" CONSTRAINT users_email_key_unique UNIQUE,
  email_verified  boolean NOT NULL DEFAULT false,
  password_hash   text NOT NULL,
  roles           text[] NOT NULL DEFAULT '{user}',
  disabled        boolean NOT NULL DEFAULT false,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL
);
CREATE INDEX users_legacy_hash ON users (substr(password_hash, 5, 2)) WHERE password_hash LIKE '$2%';

CREATE TABLE sessions (
  id               text PRIMARY KEY,
  user_id          text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  scope            text NOT NULL,
  created_at       timestamptz NOT NULL,
  last_used_at     timestamptz NOT NULL,
  expires_at       timestamptz NOT NULL,
  idle_expires_at  timestamptz NOT NULL,
  ended_at         timestamptz,
  user_agent       text,
  ip               text
);
CREATE INDEX sessions_user ON sessions (user_id, created_at);
CREATE INDEX sessions_ended ON sessions (ended_at);

CREATE TABLE refresh_tokens (
  token_hash        text PRIMARY KEY,
  session_id        text NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  issued_at         timestamptz NOT NULL,
  used_at           timestamptz,
  sealed_successor  text
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

CREATE TABLE signing_keys (
  kid           text PRIMARY KEY,
  alg           text NOT NULL,
  public_jwk    text NOT NULL,
  private_jwk   text NOT NULL,
  created_at    timestamptz NOT NULL,
  activates_at  timestamptz NOT NULL,
  retires_at    timestamptz
);

CREATE TABLE one_time_tokens (
  token_hash  text PRIMARY KEY,
  user_id     text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  purpose     text NOT NULL,
  data        text,
  created_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL
);
CREATE INDEX one_time_tokens_user ON one_time_tokens (user_id, purpose);

-- Append-only and hash-chained (store/audit-chain.ts). No foreign keys: the trail outlives the user.
CREATE TABLE audit_events (
  id          bigint PRIMARY KEY,
  type        text NOT NULL,
  at          timestamptz NOT NULL,
  actor_id    text,
  subject_id  text,
  ip          text,
  user_agent  text,
  details     text NOT NULL,
  prev_hash   text NOT NULL,
  hash        text NOT NULL
);
CREATE INDEX audit_events_actor ON audit_events (actor_id, id);
CREATE INDEX audit_events_subject ON audit_events (subject_id, id);
CREATE INDEX audit_events_type ON audit_events (type, id);
`,
  },
  {
    version: 2,
    name: 'email',
    sql: `
ALTER TABLE users ADD COLUMN pending_email text;

-- Messages waiting for the sender (mail/outbox-sender.ts), and requests it turns into messages
-- (kind <> 'mail'); deleted once done.
CREATE TABLE outbox (
  id               text PRIMARY KEY,
  kind             text NOT NULL DEFAULT 'mail',
  data             text,
  to_address       text,
  subject          text NOT NULL,
  text             text NOT NULL,
  html             text NOT NULL,
  created_at       timestamptz NOT NULL,
  next_attempt_at  timestamptz NOT NULL,
  attempts         integer NOT NULL DEFAULT 0,
  lease_until      timestamptz,
  claim_id         text,
  last_error       text
);
CREATE INDEX outbox_due ON outbox (next_attempt_at);
`,
  },
  {
    version: 3,
    name: 'mfa',
    sql: `
-- Kept by confirmTotp/deleteTotp only, in the transaction that changes the factor.
ALTER TABLE users ADD COLUMN totp_enabled boolean NOT NULL DEFAULT false;
-- How and when the user authenticated; existing sessions were password logins at their start.
ALTER TABLE sessions ADD COLUMN amr text[] NOT NULL DEFAULT '{pwd}';
ALTER TABLE sessions ADD COLUMN auth_time timestamptz;
UPDATE sessions SET auth_time = created_at;
ALTER TABLE sessions ALTER COLUMN auth_time SET NOT NULL;

CREATE TABLE totp_factors (
  user_id         text COLLATE "C" PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  secret          text NOT NULL,
  confirmed_at    timestamptz,
  last_used_step  bigint,
  created_at      timestamptz NOT NULL
);

CREATE TABLE recovery_codes (
  user_id     text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  code_hash   text NOT NULL,
  created_at  timestamptz NOT NULL,
  used_at     timestamptz,
  PRIMARY KEY (user_id, code_hash)
);
`,
  },
  {
    version: 4,
    name: 'passkeys',
    sql: `
-- WebAuthn credentials (store/passkeys.ts). Keys and ids are base64url text.
CREATE TABLE passkeys (
  id             text PRIMARY KEY,
  user_id        text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  credential_id  text COLLATE "C" NOT NULL CONSTRAINT passkeys_credential_id_unique UNIQUE,
  public_key     text NOT NULL,
  counter        bigint NOT NULL DEFAULT 0,
  transports     text[] NOT NULL DEFAULT '{}',
  device_type    text NOT NULL,
  backed_up      boolean NOT NULL DEFAULT false,
  name           text NOT NULL,
  user_handle    text NOT NULL,
  aaguid         text,
  created_at     timestamptz NOT NULL,
  last_used_at   timestamptz
);
CREATE INDEX passkeys_user ON passkeys (user_id, created_at);

-- Single-use ceremony challenges, by hash; user_id is null for a sign-in without a username.
CREATE TABLE webauthn_challenges (
  challenge_hash  text PRIMARY KEY,
  ceremony        text NOT NULL,
  user_id         text REFERENCES users(id) ON DELETE CASCADE,
  data            text,
  created_at      timestamptz NOT NULL,
  expires_at      timestamptz NOT NULL
);
CREATE INDEX webauthn_challenges_expires ON webauthn_challenges (expires_at);
CREATE INDEX webauthn_challenges_user ON webauthn_challenges (user_id, ceremony);
`,
  },
  {
    version: 5,
    name: 'webauthn-challenge-age',
    sql: `
-- The cap on live sign-in challenges counts and evicts the oldest of one ceremony: by index, not a scan.
CREATE INDEX webauthn_challenges_age ON webauthn_challenges (ceremony, created_at);
`,
  },
  {
    version: 6,
    name: 'clients',
    sql: `
-- OpenID Connect clients (store/clients.ts). Lists are text[]; secret_hash is null for a public
-- client, else the HMAC-SHA-256 of its secret (oidc/client-secret.ts): the secret itself is never stored.
CREATE TABLE clients (
  id                            text PRIMARY KEY,
  name                          text NOT NULL,
  confidential                  boolean NOT NULL,
  first_party                   boolean NOT NULL DEFAULT false,
  grant_types                   text[] NOT NULL,
  scopes                        text[] NOT NULL,
  redirect_uris                 text[] NOT NULL,
  post_logout_redirect_uris     text[] NOT NULL DEFAULT '{}',
  id_token_signed_response_alg  text,
  secret_hash                   text,
  created_at                    timestamptz NOT NULL,
  updated_at                    timestamptz NOT NULL
);
CREATE INDEX clients_created ON clients (created_at, id);

-- The client a session was issued to (null: the password grant, the account pages). Set by the
-- authorization code grant (later); deleting a client ends its sessions. No foreign key: an ended
-- session keeps naming the client it belonged to.
ALTER TABLE sessions ADD COLUMN client_id text;
CREATE INDEX sessions_client ON sessions (client_id) WHERE client_id IS NOT NULL;
`,
  },
  {
    version: 7,
    name: 'oidc-grants',
    sql: `
-- Authorization codes (store/authorization-codes.ts), by the SHA-256 of the code: the code itself
-- is never stored. A redeemed code stays (consumed_at set) until retention, so a replay is
-- recognised and ends the session it created (RFC 6749 §4.1.2); session_id is that session's id,
-- chosen when the code is issued. browser_session_id has no foreign key: it is only the ID token's
-- sid, and the browser session may be purged first.
CREATE TABLE authorization_codes (
  code_hash           text PRIMARY KEY,
  client_id           text NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  user_id             text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  redirect_uri        text NOT NULL,
  code_challenge      text NOT NULL,
  nonce               text,
  scope               text NOT NULL,
  browser_session_id  text NOT NULL,
  auth_time           timestamptz NOT NULL,
  amr                 text[] NOT NULL,
  session_id          text NOT NULL CONSTRAINT authorization_codes_session_unique UNIQUE,
  created_at          timestamptz NOT NULL,
  expires_at          timestamptz NOT NULL,
  consumed_at         timestamptz
);
-- The per-user cap (oldest first), a revoked consent's codes, and the user's cascade.
CREATE INDEX authorization_codes_user ON authorization_codes (user_id, created_at);
-- The live-code cap counts only unspent codes; spent ones stay (replay detection) until retention.
CREATE INDEX authorization_codes_live ON authorization_codes (user_id, created_at) WHERE consumed_at IS NULL;
CREATE INDEX authorization_codes_client ON authorization_codes (client_id);
CREATE INDEX authorization_codes_expires ON authorization_codes (expires_at);

-- A user's consent to a third-party client (store/consents.ts): the union of the scopes granted.
CREATE TABLE consents (
  user_id     text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  client_id   text NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  scopes      text[] NOT NULL,
  granted_at  timestamptz NOT NULL,
  PRIMARY KEY (user_id, client_id)
);
CREATE INDEX consents_client ON consents (client_id);
`,
  },
]
