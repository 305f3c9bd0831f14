-- migrate:up
-- One NOTIFY per statement instead of one per row: a multi-row insert wakes the relay once.
-- The payload stays an id (the contract: "payload: an id only"), the newest the statement
-- inserted; the relay ignores it anyway, since a wake-up claims every due row. Only the
-- function and the trigger change; the outbox table does not.
CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('outbox', (SELECT max(id)::text FROM inserted_rows));
    RETURN NULL;
END;
$$;
DROP TRIGGER outbox_notify ON outbox;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    REFERENCING NEW TABLE AS inserted_rows
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

-- migrate:down
CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('outbox', NEW.id::text);
    RETURN NULL;
END;
$$;
DROP TRIGGER outbox_notify ON outbox;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION outbox_notify();
