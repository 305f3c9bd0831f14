-- migrate:up
-- Outbox rows get a state: 'pending' (to publish), 'sent', or 'parked' (failed
-- OUTBOX_MAX_ATTEMPTS times on its own: set aside for an operator, `deno task outbox`). A relay
-- claims due rows in a short transaction by writing its claim_token and pushing
-- next_attempt_at forward by a lease, publishes outside any transaction, then marks the rows
-- it still owns as sent. Other claimers skip the rows until the lease runs out.
ALTER TABLE outbox
    ADD COLUMN state text NOT NULL DEFAULT 'pending'
        CONSTRAINT outbox_state_check CHECK (state IN ('pending', 'sent', 'parked')),
    ADD COLUMN claim_token uuid;
UPDATE outbox SET state = 'sent' WHERE sent_at IS NOT NULL;
-- The claim query walks this index in order: WHERE state = 'pending' AND next_attempt_at <=
-- now() ORDER BY next_attempt_at, id.
DROP INDEX outbox_pending_idx;
CREATE INDEX outbox_pending_idx ON outbox (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX outbox_parked_idx ON outbox (id) WHERE state = 'parked';
-- Housekeeping deletes sent rows past their retention oldest first, and processed_events
-- past theirs.
CREATE INDEX outbox_sent_at_idx ON outbox (sent_at) WHERE state = 'sent';
CREATE INDEX processed_events_processed_at_idx ON processed_events (processed_at);

-- migrate:down
DROP INDEX processed_events_processed_at_idx;
DROP INDEX outbox_sent_at_idx;
DROP INDEX outbox_parked_idx;
DROP INDEX outbox_pending_idx;
CREATE INDEX outbox_pending_idx ON outbox (next_attempt_at, id) WHERE sent_at IS NULL;
ALTER TABLE outbox DROP COLUMN claim_token, DROP COLUMN state;
