-- migrate:up
-- The worker's effect, keyed by event id so a redelivered record changes nothing.
CREATE TABLE processed_events (
    event_id uuid PRIMARY KEY,
    order_id uuid NOT NULL,
    topic text NOT NULL,
    kafka_partition integer NOT NULL,
    kafka_offset bigint NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX processed_events_order_idx ON processed_events (order_id);

-- migrate:down
DROP TABLE processed_events;
