-- Payout details (account holder, IBAN, BIC) of authorized users: one sealed record per user, AES-256-GCM
-- bound to its owner, never stored in the clear. Same tables and names in both folders.
CREATE TABLE payout_details (
    user_id    BIGINT  NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    sealed     BLOB    NOT NULL,
    updated_at BIGINT  NOT NULL
);
