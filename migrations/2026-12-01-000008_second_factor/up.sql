-- The second factor (TOTP, RFC 6238) that admin and finance accounts need at
-- login, the one-use recovery codes that stand in for a lost phone, and the
-- half-finished logins that wait for a code.

CREATE TABLE user_totp (
    user_id      BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret       BYTEA NOT NULL CHECK (length(secret) = 20),
    confirmed_at TIMESTAMPTZ NOT NULL,
    -- The step of the last code accepted: a code is accepted once.
    last_step    BIGINT NOT NULL
);

CREATE TABLE recovery_codes (
    id        BIGSERIAL PRIMARY KEY,
    user_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash BYTEA NOT NULL CHECK (length(code_hash) = 32),
    issued_at TIMESTAMPTZ NOT NULL,
    used_at   TIMESTAMPTZ,
    UNIQUE (user_id, code_hash)
);

-- A password that proved right for an account that needs a second factor.
-- The browser holds the token (hashed here) for a few minutes; enrolment
-- keeps the secret being set up here until its first code proves it.
CREATE TABLE login_challenges (
    id             BIGSERIAL PRIMARY KEY,
    token_hash     BYTEA NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    user_id        BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at     TIMESTAMPTZ NOT NULL,
    pending_secret BYTEA CHECK (length(pending_secret) = 20),
    failures       INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
    ip             TEXT
);
CREATE INDEX login_challenges_user_idx ON login_challenges (user_id);

-- Admin and finance sessions opened before this migration passed no second
-- factor: they end, and their next login sets one up.
DELETE FROM sessions
WHERE user_id IN (SELECT user_id FROM user_roles WHERE role IN ('admin', 'finance'));
