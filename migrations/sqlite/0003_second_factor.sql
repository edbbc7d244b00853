-- Second factor: backup codes, trusted browsers, challenge suspension.
-- Same tables and names as ../postgres/0003_second_factor.sql.

-- Single-use recovery codes. Only an HMAC (keyed with the server's secret) of each code is stored.
CREATE TABLE backup_codes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    used_at    BIGINT,
    UNIQUE (user_id, code_hash)
);

-- "Don't ask again on this browser": the browser holds a random token, the table its SHA-256.
CREATE TABLE trusted_browsers (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    public_id    TEXT    NOT NULL UNIQUE,
    token_hash   TEXT    NOT NULL UNIQUE,
    user_id      BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL,
    last_used_at BIGINT  NOT NULL,
    ip           TEXT    NOT NULL DEFAULT '',
    user_agent   TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX trusted_browsers_by_user ON trusted_browsers (user_id);

-- Wrong second-factor codes in a row, and until when the challenge is suspended after too many.
ALTER TABLE users ADD COLUMN second_factor_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN second_factor_suspended_until BIGINT;
