-- Notifications, test clocks and expiry (issue 12). Numbered from 0040 so that the lifecycle
-- branches keep their own numbers; the runner applies every missing version.

-- A store's notification endpoint and the events it wants (NULL: every event its provider
-- sends), and its test clock: the store's "now" is the server's now + clock_offset. Orders
-- read the store row in the same statement that loads them, so the clock costs no round trip.
ALTER TABLE stores
    ADD COLUMN notification_url    text,
    ADD COLUMN notification_events text[],
    ADD COLUMN clock_offset        interval NOT NULL DEFAULT '0';

-- The outbox: one row per notification to send, written in the transaction of the change
-- that recorded its event. `body` is the exact bytes sent on every attempt. Times are in the
-- store's clock. Workers claim due rows with FOR UPDATE SKIP LOCKED and hold the lock while
-- they send; an order's deliveries go out one after the other, in event order.
CREATE TABLE deliveries (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id    text NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    store_id    text NOT NULL,
    event_id    text NOT NULL,
    event_type  text NOT NULL,
    url         text NOT NULL,
    body        text NOT NULL,
    state       text NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts    jsonb NOT NULL DEFAULT '[]',
    next_at     timestamptz,
    created_at  timestamptz NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (next_at) WHERE state = 'pending';
CREATE INDEX deliveries_order_pending ON deliveries (order_id, id) WHERE state = 'pending';
CREATE INDEX deliveries_store ON deliveries (store_id, id);

-- Expiry: open orders by expiry, and each order's expiry events.
CREATE INDEX orders_open_expiry ON orders (expires_at) WHERE authorized > captured + cancelled;
CREATE INDEX order_events_expire ON order_events (order_id, created_at) WHERE type = 'expire';
