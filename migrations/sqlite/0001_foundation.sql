-- Portcullis foundation: accounts, sessions, second factors, audit log.
-- Same tables and names as ../postgres/0001_foundation.sql. Times are Unix seconds (BIGINT); flags are 0/1.

CREATE TABLE users (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    username            TEXT    NOT NULL,
    username_key        TEXT    NOT NULL UNIQUE,   -- lower-cased, for look-ups
    email               TEXT    NOT NULL,
    email_key           TEXT    NOT NULL UNIQUE,   -- lower-cased, for look-ups
    display_name        TEXT    NOT NULL,
    role                TEXT    NOT NULL CHECK (role IN ('admin', 'authorized', 'user')),
    password_hash       TEXT,                      -- argon2id PHC string; NULL until an invitation is accepted
    password_changed_at BIGINT  NOT NULL,
    password_temporary  INTEGER NOT NULL DEFAULT 0,
    last_sign_in_at     BIGINT,
    failed_sign_ins     INTEGER NOT NULL DEFAULT 0,
    locked_at           BIGINT,
    mfa_required        INTEGER NOT NULL DEFAULT 0,
    mfa_grace_until     BIGINT,
    default_factor      TEXT,
    phone               TEXT,
    locale              TEXT    NOT NULL DEFAULT 'en',
    disabled            INTEGER NOT NULL DEFAULT 0,
    created_at          BIGINT  NOT NULL
);

-- Server-side sessions. The browser holds a random token; only its SHA-256 is stored here.
CREATE TABLE sessions (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    public_id         TEXT    NOT NULL UNIQUE,     -- random handle for the sessions list (never the token)
    token_hash        TEXT    NOT NULL UNIQUE,
    user_id           BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    stage             TEXT    NOT NULL,            -- sign-in state machine: full, second_factor, ...
    created_at        BIGINT  NOT NULL,
    last_seen_at      BIGINT  NOT NULL,
    expires_at        BIGINT  NOT NULL,            -- absolute cap
    reauthenticated_at BIGINT NOT NULL,            -- last password confirmation (step-up window)
    ip                TEXT    NOT NULL DEFAULT '',
    user_agent        TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX sessions_by_user ON sessions (user_id);

-- Every second factor of every kind: TOTP app, passkey (WebAuthn), SMS code, email code.
CREATE TABLE second_factors (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id           BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind              TEXT    NOT NULL CHECK (kind IN ('totp', 'passkey', 'sms', 'email')),
    label             TEXT    NOT NULL,
    secret_ciphertext BLOB,                        -- TOTP seed, AES-256-GCM (nonce || ciphertext)
    credential        TEXT,                        -- passkey: serialized credential (public key, counter)
    credential_id     TEXT UNIQUE,                 -- passkey: credential id, base64url
    phone             TEXT,                        -- SMS: destination number
    last_used_step    BIGINT,                      -- TOTP: last accepted time step (replay guard)
    confirmed_at      BIGINT,                      -- NULL while enrolment is unconfirmed
    created_at        BIGINT  NOT NULL,
    last_used_at      BIGINT
);
CREATE INDEX second_factors_by_user ON second_factors (user_id);

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         BIGINT  NOT NULL,
    actor_id   BIGINT,                             -- who did it (NULL: the system or an anonymous visitor)
    subject_id BIGINT,                             -- whose account it concerns
    event      TEXT    NOT NULL,
    ip         TEXT    NOT NULL DEFAULT '',
    detail     TEXT    NOT NULL DEFAULT '{}'       -- JSON, never a secret
);
CREATE INDEX audit_log_by_subject ON audit_log (subject_id, at);
CREATE INDEX audit_log_by_time ON audit_log (at);
