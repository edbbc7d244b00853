-- Password lifecycle: email outbox, single-use email links, rate limits, expiry warnings.
-- Same tables and names as ../postgres/0002_lifecycle.sql.

-- Every email, from every process (server or command line). The server's delivery worker sends pending
-- messages over SMTP with retries; without SMTP they stay pending (the developer mailbox shows them).
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at      BIGINT  NOT NULL,
    recipient       TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    text_body       TEXT    NOT NULL,
    html_body       TEXT    NOT NULL,
    kind            TEXT    NOT NULL,            -- template name: password_reset, account_locked, ...
    status          TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL,
    claimed_until   BIGINT  NOT NULL DEFAULT 0,  -- a worker is sending it until then
    last_error      TEXT,
    sent_at         BIGINT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

-- Links sent by email: password reset (30 min), unlock (24 h), invitation (72 h). Only hashes are stored.
CREATE TABLE email_tokens (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash  TEXT    NOT NULL UNIQUE,
    user_id     BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose     TEXT    NOT NULL CHECK (purpose IN ('reset', 'unlock', 'invite')),
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL,
    used_at     BIGINT
);
CREATE INDEX email_tokens_by_user ON email_tokens (user_id, purpose);

-- Fixed-window counters shared by every server instance: key = what is limited (e.g. an address).
CREATE TABLE rate_limits (
    bucket       TEXT    NOT NULL PRIMARY KEY,
    window_start BIGINT  NOT NULL,
    hits         INTEGER NOT NULL
);

-- The smallest "days before expiry" warning already sent for the current password (14, 7, 1).
ALTER TABLE users ADD COLUMN expiry_warned_days INTEGER;
-- When a temporary password stops working.
ALTER TABLE users ADD COLUMN temporary_until BIGINT;
