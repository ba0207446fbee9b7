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
]
