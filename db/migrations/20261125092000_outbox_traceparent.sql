-- migrate:up
-- The W3C traceparent of the request that created the event (null when tracing was off). The
-- relay sends it as the Kafka record header `traceparent`, so the worker continues that trace.
ALTER TABLE outbox ADD COLUMN traceparent text;

-- migrate:down
ALTER TABLE outbox DROP COLUMN traceparent;
