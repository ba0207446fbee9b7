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
]
