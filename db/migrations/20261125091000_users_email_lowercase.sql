-- migrate:up
-- Emails are stored lowercased, as the original service did. Folding cannot merge two accounts:
-- the unique index users_email_key is on lower(email), so no two rows can fold to the same
-- address (if one ever did, this UPDATE would fail with a unique violation and the migration
-- would roll back, leaving the data untouched for a person to decide).
UPDATE users SET email = lower(email) WHERE email <> lower(email);
ALTER TABLE users ADD CONSTRAINT users_email_lowercase CHECK (email = lower(email));

-- migrate:down
ALTER TABLE users DROP CONSTRAINT users_email_lowercase;
