-- Devices and sign-in alerts. Same tables and names as ../postgres/0009_devices.sql.
--
-- A browser is recognised by a long-lived random device cookie (only its SHA-256 is kept), not by its
-- User-Agent, so an update raises no false alarm. A completed sign-in from a device the account has not
-- used before emails the owner (with a single-use "This wasn't me" link).
CREATE TABLE known_devices (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_hash   TEXT    NOT NULL,
    first_seen_at BIGINT  NOT NULL,
    last_seen_at  BIGINT  NOT NULL,
    UNIQUE (user_id, device_hash)
);

-- The device a session was opened from (its cookie's hash; '' when the browser keeps no cookie).
ALTER TABLE sessions ADD COLUMN device_hash TEXT NOT NULL DEFAULT '';

-- A password was right and the second step is still owed: unless that sign-in (or another one from the
-- same device) completes before due_at, the owner is told. Claimed with one DELETE … RETURNING, so of
-- several server instances exactly one sends each alert.
CREATE TABLE unfinished_sign_ins (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id  BIGINT  NOT NULL,
    device_hash TEXT    NOT NULL,
    ip          TEXT    NOT NULL DEFAULT '',
    user_agent  TEXT    NOT NULL DEFAULT '',
    created_at  BIGINT  NOT NULL,
    due_at      BIGINT  NOT NULL
);
CREATE INDEX unfinished_sign_ins_due ON unfinished_sign_ins (due_at);
CREATE INDEX unfinished_sign_ins_by_user ON unfinished_sign_ins (user_id, device_hash);
