-- migrate:up
CREATE TABLE orders (
    id uuid PRIMARY KEY,
    creator_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    items jsonb NOT NULL CHECK (jsonb_typeof(items) = 'object'),
    order_price numeric(14, 2) NOT NULL CHECK (order_price >= 0),
    status text NOT NULL DEFAULT 'PENDING'
        CHECK (status IN ('PENDING', 'PAID', 'SHIPPED', 'CANCELED')),
    -- Bumped on every change; the Redis cache never replaces a newer version with an older one.
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- Serves GET /orders/user/{id}: newest first, ties broken by id.
CREATE INDEX orders_creator_created_idx ON orders (creator_id, created_at DESC, id DESC);

-- migrate:down
DROP TABLE orders;
