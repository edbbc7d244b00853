-- Limits claimed before the work, the "credentials changed" routine, encrypted outbox bodies, typed audit,
-- languages and time zones. Same tables and names as ../postgres/0004_hardening.sql.

-- Password attempts being judged right now (claimed before hashing; a claim older than a minute is stale).
ALTER TABLE users ADD COLUMN sign_ins_in_flight INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN sign_ins_in_flight_at BIGINT NOT NULL DEFAULT 0;
-- Too many failed second steps in a day: the password no longer signs in until it is reset.
ALTER TABLE users ADD COLUMN password_reset_required INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locale_chosen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN time_zone TEXT;
-- Proved by an emailed link (reset, invitation, confirmation): email codes need it.
ALTER TABLE users ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 0;
-- The second-step limit moved to its own table.
ALTER TABLE users DROP COLUMN second_factor_failures;
ALTER TABLE users DROP COLUMN second_factor_suspended_until;

-- The second-step attempt limit shared by every method, one row per user.
CREATE TABLE second_factor_limits (
    user_id         BIGINT  NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    failures        INTEGER NOT NULL DEFAULT 0,   -- wrong answers in the current window
    in_flight       INTEGER NOT NULL DEFAULT 0,   -- answers being judged right now
    in_flight_at    BIGINT  NOT NULL DEFAULT 0,
    suspended_until BIGINT  NOT NULL DEFAULT 0,
    day_failures    INTEGER NOT NULL DEFAULT 0,   -- wrong answers since day_start
    day_start       BIGINT  NOT NULL DEFAULT 0
);

-- TOTP re-synchronisation with a device clock that is off (RFC 6238 section 6), and setup attempts.
ALTER TABLE second_factors ADD COLUMN drift_steps INTEGER NOT NULL DEFAULT 0;
ALTER TABLE second_factors ADD COLUMN pending_drift INTEGER;
ALTER TABLE second_factors ADD COLUMN pending_drift_step BIGINT;
ALTER TABLE second_factors ADD COLUMN setup_attempts INTEGER NOT NULL DEFAULT 0;

-- Email bodies, encrypted (AES-256-GCM) and wiped once sent; text_body and html_body stay empty.
ALTER TABLE outbox ADD COLUMN sealed_body BLOB;
DELETE FROM outbox;

-- More kinds of emailed link, and a value a link may carry (e.g. a new email address to confirm).
CREATE TABLE email_tokens_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash  TEXT    NOT NULL UNIQUE,
    user_id     BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose     TEXT    NOT NULL CHECK (purpose IN ('reset', 'unlock', 'invite', 'not_me', 'cancel_recovery', 'confirm_email')),
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL,
    used_at     BIGINT,
    payload     TEXT
);
INSERT INTO email_tokens_new (id, token_hash, user_id, purpose, created_at, expires_at, used_at)
    SELECT id, token_hash, user_id, purpose, created_at, expires_at, used_at FROM email_tokens;
DROP TABLE email_tokens;
ALTER TABLE email_tokens_new RENAME TO email_tokens;
CREATE INDEX email_tokens_by_user ON email_tokens (user_id, purpose);

-- The browser of each audited request.
ALTER TABLE audit_log ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_log_by_event ON audit_log (event, at);
