-- The back-office (issue 14): listing orders newest first with keyset paging, and the request
-- journal. Numbered from 0050 so that the lifecycle and notification issues keep 0011…0049.

-- Newest first, all stores or one status: (created_at, id) is the page key. The store filter
-- uses orders_store_created (store_id, created_at DESC) from version 1.
CREATE INDEX orders_created ON orders (created_at DESC, id DESC);
CREATE INDEX orders_status_created ON orders (status, created_at DESC, id DESC);

-- Requests that named an order (API and back-office): what was asked, what was answered.
-- Written in batches off the request path; bounded by `orderdesk.ops.journal` (row count and
-- age), so it never grows without limit.
CREATE TABLE request_journal (
    seq             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id        text NOT NULL,
    method          text NOT NULL,
    path            text NOT NULL,
    status          integer NOT NULL,
    idempotency_key text,
    replayed        boolean NOT NULL DEFAULT false,
    source          text NOT NULL,       -- walley | ledyer | backoffice
    at              timestamptz NOT NULL
);
CREATE INDEX request_journal_order ON request_journal (order_id, seq);
CREATE INDEX request_journal_at ON request_journal (at);
