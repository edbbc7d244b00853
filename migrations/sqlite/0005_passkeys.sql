-- Passkeys and security keys (WebAuthn). The credentials themselves live in second_factors (credential,
-- credential_id UNIQUE: one credential id can never belong to two accounts). Same tables and names as
-- ../postgres/0005_passkeys.sql.

-- A ceremony (registration or assertion) between its options and its answer: the challenge and what
-- the answer must match, so that any server instance can finish what another started. Single use (taken
-- with DELETE ... RETURNING), five minutes. Bound to the session that started it, or, for a sign-in
-- without password, to a random cookie (only its hash is here).
CREATE TABLE webauthn_ceremonies (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    purpose      TEXT    NOT NULL CHECK (purpose IN ('register', 'assert', 'sign_in')),
    session_id   BIGINT  REFERENCES sessions (id) ON DELETE CASCADE,
    user_id      BIGINT  REFERENCES users (id) ON DELETE CASCADE,
    binding_hash TEXT    UNIQUE,
    state        TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL
);
CREATE INDEX webauthn_ceremonies_by_session ON webauthn_ceremonies (session_id, purpose);
CREATE INDEX webauthn_ceremonies_by_expiry ON webauthn_ceremonies (expires_at);
