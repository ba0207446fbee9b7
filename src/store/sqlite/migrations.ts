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
]
