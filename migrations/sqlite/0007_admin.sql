-- Recovery when every sign-in method is lost. Same tables and names as ../postgres/0007_admin.sql.
--
-- The owner (past the password step) opens a request saying what they can about the account. An
-- administrator verifies their identity by their own process and records how (method and reference)
-- before approving; an approval takes effect at effective_at (a waiting period) unless the owner cancels
-- it from the email that announced it (only the link's hash is kept here, and it works once).
CREATE TABLE recovery_requests (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id                BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status                 TEXT    NOT NULL CHECK (status IN ('open', 'approved', 'cancelled', 'rejected', 'completed')),
    statement              TEXT    NOT NULL,
    created_at             BIGINT  NOT NULL,
    ip                     TEXT    NOT NULL DEFAULT '',
    user_agent             TEXT    NOT NULL DEFAULT '',
    verified_by            BIGINT  REFERENCES users (id) ON DELETE SET NULL,
    verified_at            BIGINT,
    verification_method    TEXT,
    verification_reference TEXT,
    decided_by             BIGINT  REFERENCES users (id) ON DELETE SET NULL,
    decided_at             BIGINT,
    effective_at           BIGINT,
    cancel_token_hash      TEXT    UNIQUE,
    closed_at              BIGINT
);
CREATE INDEX recovery_requests_by_user ON recovery_requests (user_id, status);
CREATE INDEX recovery_requests_by_status ON recovery_requests (status, effective_at);
