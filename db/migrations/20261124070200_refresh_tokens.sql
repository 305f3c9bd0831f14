-- migrate:up
-- One row per issued refresh token. A family is every token descended from one login;
-- presenting a used token revokes the whole family (RFC 9700 §4.14.2).
CREATE TABLE refresh_tokens (
    jti uuid PRIMARY KEY,
    family_id uuid NOT NULL,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    revoked_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_expires_idx ON refresh_tokens (expires_at);

-- migrate:down
DROP TABLE refresh_tokens;
