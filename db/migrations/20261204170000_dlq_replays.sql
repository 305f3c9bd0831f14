-- migrate:up
-- Which dead letters `deno task dlq replay` has put back on their topic, so replaying again
-- skips them (the worker's processed_events would make a second copy harmless anyway).
CREATE TABLE dlq_replays (
    dlq_topic text NOT NULL,
    dlq_partition integer NOT NULL,
    dlq_offset bigint NOT NULL,
    event_id uuid,
    topic text NOT NULL,
    kafka_partition integer NOT NULL,
    kafka_offset bigint NOT NULL,
    replayed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (dlq_topic, dlq_partition, dlq_offset)
);

-- migrate:down
DROP TABLE dlq_replays;
