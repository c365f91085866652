-- Every change rewrites the order's row, and since a capture changes indexed columns (status)
-- PostgreSQL cannot update it in place: the new row version gets an entry in EVERY index of
-- the table. Each index on orders is paid for on every capture, so keep only those a query
-- needs and drop those another one covers.
DROP INDEX orders_store_created;         -- orders_store_created_seq starts with the same columns
DROP INDEX orders_updated;               -- nothing filters or sorts by updated_at
DROP INDEX orders_expires;               -- Ledyer's expiry filters run within a store's
                                         -- newest-first scan; the expiry sweep has
                                         -- orders_open_expiry
DROP INDEX orders_store_payment_method;  -- a filter within a store's newest-first scan
ALTER TABLE orders DROP CONSTRAINT orders_seq_key;  -- an identity column: unique by making
