-- One notion of "now" per store (issue 21). Numbered 0093 so that the other parts of the issue
-- keep the numbers around 0090.

-- The request journal's rows on the store's clock too, beside the server's time (`at`, what
-- the journal is pruned by): the order page puts a store's requests and its orders' events in
-- one order. Rows written before this have only the server's time; the store's clock as it is
-- now is the best guess at what it was.
ALTER TABLE request_journal ADD COLUMN store_at timestamptz;
UPDATE request_journal j SET store_at = j.at + st.clock_offset
  FROM orders o JOIN stores st ON st.id = o.store_id WHERE o.id = j.order_id;
UPDATE request_journal SET store_at = at WHERE store_at IS NULL;
ALTER TABLE request_journal ALTER COLUMN store_at SET NOT NULL;

-- A store's clock while an advance runs what fell due (service/clock.py): since when (the
-- server's time), NULL when it is not advancing. The workers leave such a store's
-- deliveries and expiries to the advance, which runs them in time order.
ALTER TABLE stores ADD COLUMN clock_advancing_since timestamptz;
