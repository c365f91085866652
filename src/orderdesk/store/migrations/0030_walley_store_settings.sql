-- Walley sandbox behaviour per store, for testing a shop against what Walley does: the
-- outcome of the credit check a raised reauthorization needs (approve or reject, after a
-- delay), how long a new order takes to become manageable, and how far reads lag behind
-- writes. The defaults are "at once": approve, no delay, no lag.
ALTER TABLE stores
    ADD COLUMN credit_check           text NOT NULL DEFAULT 'approve'
        CHECK (credit_check IN ('approve', 'reject')),
    ADD COLUMN credit_check_seconds   double precision NOT NULL DEFAULT 0
        CHECK (credit_check_seconds >= 0),
    ADD COLUMN manageable_after_seconds double precision NOT NULL DEFAULT 0
        CHECK (manageable_after_seconds >= 0),
    ADD COLUMN read_lag_seconds       double precision NOT NULL DEFAULT 0
        CHECK (read_lag_seconds >= 0);

-- With a read lag, each write keeps the order as it was before the write: a read sees that
-- version until the write is older than the lag. Only stores with a lag write rows here.
CREATE TABLE order_versions (
    seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id   text NOT NULL REFERENCES orders (id),
    written_at timestamptz NOT NULL,
    state      jsonb NOT NULL,
    lines      jsonb NOT NULL,
    events     jsonb NOT NULL
);
CREATE INDEX order_versions_order ON order_versions (order_id, written_at);

-- Search (GET /manage/orders) pages newest first through orders_store_created_seq (0020).

-- A Walley order captured in part whose rest was cancelled reads PartActivated (it read
-- Activated, and a later capture was told CAPTURE_ORDER_ALREADY_CAPTURED).
UPDATE orders SET status = 'PartActivated'
WHERE provider = 'walley' AND status = 'Activated' AND cancelled > 0;
