-- An order's notifications, every state (the back-office's order page lists them). The index
-- replaces the partial one on pending deliveries: the claim's "no earlier pending delivery of
-- this order" probe reads the order's few entries and filters by state, and a delivery
-- still pays for one index on order_id, not two. It also serves the cascade when an order
-- is purged.
DROP INDEX deliveries_order_pending;
CREATE INDEX deliveries_order ON deliveries (order_id, id);
