-- migrate:up
-- The list page's total_items without counting a user's orders on every request: a per-user
-- count kept by a trigger in the inserting (or deleting) transaction, so it is exact whichever
-- version of the API writes. Spread over 8 rows per user, picked by the writing backend, so
-- that concurrent orders of one user do not queue on a single counter row; the total is the
-- sum of at most 8 rows. No foreign key: deleting a user cascades to their orders, whose delete
-- trigger must not recreate counter rows for a user being deleted (it only decrements rows
-- that still exist, and the users trigger below removes them).
CREATE TABLE order_counts (
    creator_id uuid NOT NULL,
    shard smallint NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (creator_id, shard)
);

CREATE FUNCTION order_counts_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO order_counts AS c (creator_id, shard, n)
    SELECT creator_id, (pg_backend_pid() % 8)::smallint, count(*) FROM inserted GROUP BY creator_id
    ON CONFLICT (creator_id, shard) DO UPDATE SET n = c.n + excluded.n;
    RETURN NULL;
END $$;

CREATE FUNCTION order_counts_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Any one of the user's rows takes the decrement: only the sum is meaningful.
    UPDATE order_counts c SET n = c.n - d.n
    FROM (SELECT creator_id, count(*) AS n FROM deleted GROUP BY creator_id) d
    WHERE c.creator_id = d.creator_id
      AND c.shard = (SELECT min(shard) FROM order_counts WHERE creator_id = d.creator_id);
    RETURN NULL;
END $$;

CREATE FUNCTION order_counts_on_user_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM order_counts c USING deleted d WHERE c.creator_id = d.id;
    RETURN NULL;
END $$;

-- CREATE TRIGGER locks out concurrent inserts until this migration commits, so the backfill
-- below and the trigger together count every order exactly once.
CREATE TRIGGER orders_count_insert AFTER INSERT ON orders
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION order_counts_on_insert();
CREATE TRIGGER orders_count_delete AFTER DELETE ON orders
    REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION order_counts_on_delete();
CREATE TRIGGER users_count_delete AFTER DELETE ON users
    REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION order_counts_on_user_delete();

INSERT INTO order_counts (creator_id, shard, n)
SELECT creator_id, 0, count(*) FROM orders GROUP BY creator_id;

-- migrate:down
DROP TRIGGER users_count_delete ON users;
DROP TRIGGER orders_count_delete ON orders;
DROP TRIGGER orders_count_insert ON orders;
DROP FUNCTION order_counts_on_user_delete();
DROP FUNCTION order_counts_on_delete();
DROP FUNCTION order_counts_on_insert();
DROP TABLE order_counts;
