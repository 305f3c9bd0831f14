-- migrate:up
-- Durable records of the Redis writes the contract depends on (docs/security.md, "Redis writes
-- under partial failure"), so a write Redis did not acknowledge is retried by any API process
-- until it lands, even after the writer stopped or lost its way to Redis.

-- A logged-out (or reuse-revoked) session: its access tokens are refused until expires_at, when
-- the last of them has expired. pushed_at: Redis acknowledged `revoked:sid:<sid>`; null while
-- that is still to do. Rows past expires_at are purged by housekeeping.
CREATE TABLE session_revocations (
    sid uuid PRIMARY KEY,
    revoked_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    pushed_at timestamptz
);
CREATE INDEX session_revocations_unpushed_idx ON session_revocations (revoked_at)
    WHERE pushed_at IS NULL;
CREATE INDEX session_revocations_expires_idx ON session_revocations (expires_at);

-- An order whose cached entry may be older than its committed row: written in the transaction
-- that changes the order, deleted once Redis acknowledged the new entry. repair_id tells one
-- change's record from a later one's, so clearing an older one cannot drop a newer one.
CREATE TABLE cache_repairs (
    order_id uuid PRIMARY KEY,
    repair_id uuid NOT NULL,
    queued_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cache_repairs_queued_idx ON cache_repairs (queued_at);

-- migrate:down
DROP TABLE cache_repairs;
DROP TABLE session_revocations;
