-- Ledyer's order list filters on the payment method and on acknowledgement; both become columns
-- kept beside `state`, which every write sets from the state document. Orders from before this
-- version count as acknowledged (so do rows inserted without them, as bulk copies are).
ALTER TABLE orders
    ADD COLUMN payment_method text NOT NULL DEFAULT 'invoice',
    ADD COLUMN acknowledged   boolean NOT NULL DEFAULT true;
UPDATE orders SET
    payment_method = coalesce(state ->> 'payment_method', 'invoice'),
    state = state || '{"acknowledged": true}'::jsonb;
CREATE INDEX orders_store_payment_method ON orders (store_id, payment_method, created_at DESC);
CREATE INDEX orders_store_created_seq ON orders (store_id, created_at DESC, seq DESC);
