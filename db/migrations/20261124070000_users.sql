-- migrate:up
CREATE TABLE users (
    id uuid PRIMARY KEY,
    email text NOT NULL CHECK (length(email) BETWEEN 3 AND 320),
    password_hash text NOT NULL,
    role text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    created_at timestamptz NOT NULL DEFAULT now()
);
-- Emails are compared case-insensitively: one account per address.
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

-- migrate:down
DROP TABLE users;
