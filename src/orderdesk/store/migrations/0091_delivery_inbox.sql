-- A store's deliveries, filtered (issue 21: the sandbox API's list and the back-office's
-- inbox), in the order they were created on the store's clock (created_at, then id), either
-- way. One index per filter, so that a page reads little more than its rows: failed and
-- pending deliveries are few among the delivered, a notification type can be rare, and a
-- window of creation times can be long ago. deliveries_store_created takes the place of
-- deliveries_store (store_id, id), which only the list read.
DROP INDEX deliveries_store;
CREATE INDEX deliveries_store_created ON deliveries (store_id, created_at, id);
CREATE INDEX deliveries_store_state ON deliveries (store_id, state, created_at, id);
CREATE INDEX deliveries_store_event ON deliveries (store_id, event_type, created_at, id);
