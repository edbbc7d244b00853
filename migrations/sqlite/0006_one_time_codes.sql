-- Email and text-message codes (second factor, phone enrolment), and the developer's text messages.
-- Same tables and names as ../postgres/0006_one_time_codes.sql.

-- One live code per session, purpose and channel: a new code replaces (voids) the previous one. Only a
-- keyed hash (HMAC-SHA256 with the server's key, bound to session, purpose and channel) is stored.
CREATE TABLE one_time_codes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id  BIGINT  NOT NULL,
    purpose     TEXT    NOT NULL CHECK (purpose IN ('sign_in', 'enrol')),
    channel     TEXT    NOT NULL CHECK (channel IN ('email', 'sms')),
    factor_id   BIGINT,
    code_hash   TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL,
    used_at     BIGINT,
    UNIQUE (session_id, purpose, channel)
);
CREATE INDEX one_time_codes_by_expiry ON one_time_codes (expires_at);

-- Text messages of the developer provider (development only; shown on the developer mailbox page).
-- Bodies are encrypted like the outbox's.
CREATE TABLE dev_sms (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at  BIGINT  NOT NULL,
    recipient   TEXT    NOT NULL,
    sealed_body BLOB    NOT NULL
);
