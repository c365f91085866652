-- orderdesk schema, version 2: the order's lines, events and ledger get tables of their own.
--
-- `orders.state` keeps the aggregate's small parts (customer, references, the chunks' headers);
-- lines live in `order_lines`, so a capture writes the lines it moves, not the whole order;
-- every event and every movement of money is an append-only row, written in the transaction
-- of the change that made it, so listing, settlement and notifications read tables. Existing
-- orders are unpacked from their `state` document below.

CREATE TABLE order_lines (
    order_id      text NOT NULL REFERENCES orders (id),
    id            text NOT NULL,
    chunk         text NOT NULL,          -- the ledger id of the chunk the line belongs to
    position      integer NOT NULL,       -- its place in that chunk
    reference     text NOT NULL,
    description   text NOT NULL,
    type          text NOT NULL,
    quantity      integer NOT NULL,
    unit_price    bigint,
    unit_discount bigint,
    total_amount  bigint NOT NULL,
    vat           integer NOT NULL,
    total_vat     bigint NOT NULL,
    PRIMARY KEY (order_id, id)
);

CREATE TABLE order_events (
    seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id   text NOT NULL REFERENCES orders (id),
    id         text NOT NULL UNIQUE,
    type       text NOT NULL,
    amount     bigint NOT NULL,
    ledger_id  text NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX order_events_order ON order_events (order_id, seq);

CREATE TABLE ledger (
    seq              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id         text NOT NULL REFERENCES orders (id),
    store_id         text NOT NULL,
    merchant_id      text NOT NULL,
    kind             text NOT NULL CHECK (kind IN ('capture', 'release')),
    amount           bigint NOT NULL CHECK (amount >= 0),
    currency         text NOT NULL,
    ledger_id        text NOT NULL,
    action_reference text,
    created_at       timestamptz NOT NULL
);
CREATE INDEX ledger_order ON ledger (order_id, seq);
CREATE INDEX ledger_store_created ON ledger (store_id, created_at);

ALTER TABLE orders
    ADD COLUMN merchant_reference text NOT NULL DEFAULT '',
    ADD COLUMN order_reference    text NOT NULL DEFAULT '',
    ADD COLUMN status             text NOT NULL DEFAULT '';

-- Unpack what version 1 kept inside `state`.
INSERT INTO order_lines (order_id, id, chunk, position, reference, description, type, quantity,
                         unit_price, unit_discount, total_amount, vat, total_vat)
SELECT o.id, line.value ->> 0, chunk.value ->> 'ledger_id', (line.ordinality - 1)::integer,
       line.value ->> 1, line.value ->> 2, line.value ->> 3, (line.value ->> 4)::integer,
       (line.value ->> 5)::bigint, (line.value ->> 6)::bigint, (line.value ->> 7)::bigint,
       (line.value ->> 8)::integer, (line.value ->> 9)::bigint
FROM orders o
CROSS JOIN LATERAL (
    SELECT o.state -> 'uncaptured' AS value WHERE jsonb_typeof(o.state -> 'uncaptured') = 'object'
    UNION ALL SELECT value FROM jsonb_array_elements(o.state -> 'captured')
    UNION ALL SELECT value FROM jsonb_array_elements(o.state -> 'refunded')
) AS chunk
CROSS JOIN LATERAL jsonb_array_elements(chunk.value -> 'lines') WITH ORDINALITY AS line;

INSERT INTO order_events (order_id, id, type, amount, ledger_id, created_at)
SELECT o.id, ev.value ->> 0, ev.value ->> 1, (ev.value ->> 2)::bigint, ev.value ->> 3,
       (ev.value ->> 4)::timestamptz
FROM orders o
CROSS JOIN LATERAL jsonb_array_elements(o.state -> 'events') WITH ORDINALITY AS ev
ORDER BY o.seq, ev.ordinality;

-- Captures from the captured chunks; releases from cancel events and from edits that lowered
-- the order (an edit event's amount is the order's new worth; the one before it, the old).
INSERT INTO ledger (order_id, store_id, merchant_id, kind, amount, currency, ledger_id,
                    action_reference, created_at)
SELECT order_id, store_id, merchant_id, kind, amount, currency, ledger_id, action_reference,
       created_at
FROM (
    SELECT o.id AS order_id, o.store_id, o.merchant_id, 'capture' AS kind,
           (SELECT coalesce(sum((l.value ->> 7)::bigint), 0)
              FROM jsonb_array_elements(c.value -> 'lines') AS l) AS amount,
           o.currency, c.value ->> 'ledger_id' AS ledger_id,
           c.value ->> 'action_reference' AS action_reference,
           (c.value ->> 'created_at')::timestamptz AS created_at, o.seq
    FROM orders o CROSS JOIN LATERAL jsonb_array_elements(o.state -> 'captured') AS c
    UNION ALL
    SELECT o.id, o.store_id, o.merchant_id, 'release',
           CASE WHEN e.type = 'cancel' THEN e.amount ELSE e.before - e.amount END,
           o.currency, e.ledger_id, NULL, e.created_at, o.seq
    FROM orders o
    JOIN (SELECT order_id, type, amount, ledger_id, created_at,
                 lag(amount) OVER (PARTITION BY order_id ORDER BY seq) AS before
          FROM order_events WHERE type IN ('create', 'edit', 'cancel')) AS e
      ON e.order_id = o.id
    WHERE e.type = 'cancel' OR (e.type = 'edit' AND e.before > e.amount)
) AS entries
ORDER BY seq, created_at;

-- What the state keeps now: chunk headers without lines, no events; an issued invoice keeps
-- the customer it was issued to (for older captures: the customer as it is today).
UPDATE orders o SET
    merchant_reference = o.state ->> 'merchant_reference',
    order_reference = o.state ->> 'order_reference',
    state = (o.state - 'events') || jsonb_build_object(
        'uncaptured', CASE WHEN jsonb_typeof(o.state -> 'uncaptured') = 'object'
                           THEN (o.state -> 'uncaptured') - 'lines' ELSE 'null'::jsonb END,
        'captured', (SELECT coalesce(jsonb_agg(
                         (c.value - 'lines') || jsonb_build_object('customer', o.state -> 'customer')
                         ORDER BY c.ordinality), '[]')
                     FROM jsonb_array_elements(o.state -> 'captured') WITH ORDINALITY AS c),
        'refunded', (SELECT coalesce(jsonb_agg(r.value - 'lines' ORDER BY r.ordinality), '[]')
                     FROM jsonb_array_elements(o.state -> 'refunded') WITH ORDINALITY AS r)),
    status = CASE o.provider
        WHEN 'walley' THEN CASE
            WHEN (o.state ->> 'closed')::boolean THEN 'Closed'
            WHEN o.captured = 0 AND o.cancelled > 0 THEN 'Cancelled'
            WHEN o.captured > 0 AND o.refunded >= o.captured
                 AND o.authorized = o.captured + o.cancelled THEN 'Returned'
            WHEN o.captured = 0 THEN 'NotActivated'
            WHEN o.authorized > o.captured + o.cancelled THEN 'PartActivated'
            ELSE 'Activated' END
        ELSE CASE
            WHEN o.captured = 0 AND o.cancelled > 0 AND o.authorized = o.cancelled THEN 'cancelled'
            WHEN o.captured = 0 THEN 'uncaptured'
            WHEN o.authorized > o.captured + o.cancelled OR o.cancelled > 0
                 THEN 'partiallyCaptured'
            ELSE 'fullyCaptured' END
        END;

ALTER TABLE orders
    ALTER COLUMN merchant_reference DROP DEFAULT,
    ALTER COLUMN order_reference DROP DEFAULT,
    ALTER COLUMN status DROP DEFAULT;
CREATE INDEX orders_merchant_reference ON orders (merchant_reference);
CREATE INDEX orders_order_reference ON orders (order_reference);
CREATE INDEX orders_store_status ON orders (store_id, status);
CREATE INDEX orders_updated ON orders (updated_at);
CREATE INDEX orders_expires ON orders (expires_at);
