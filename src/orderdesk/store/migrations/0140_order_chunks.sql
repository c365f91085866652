-- Large-history orders (issue 22): the headers of an order's captured and refunded chunks (one
-- invoice or credit note each: ledger id, number, note, the customer it was issued to, …) get
-- a table of their own. They never change once issued, so a change inserts the headers of the
-- chunks it makes and leaves the others alone; in `orders.state` every change rewrote all of
-- them, so a capture cost more with every earlier capture (each header holds a copy of the
-- customer).

CREATE TABLE order_chunks (
    order_id  text NOT NULL REFERENCES orders (id),
    ledger_id text NOT NULL,
    kind      text NOT NULL CHECK (kind IN ('captured', 'refunded')),
    n         integer NOT NULL,  -- its place in the order's list of that kind, from 0
    header    jsonb NOT NULL,
    PRIMARY KEY (order_id, ledger_id),
    UNIQUE (order_id, kind, n)
);

INSERT INTO order_chunks (order_id, ledger_id, kind, n, header)
SELECT o.id, c.value ->> 'ledger_id', k.kind, c.ordinality - 1, c.value
  FROM orders o
 CROSS JOIN (VALUES ('captured'), ('refunded')) AS k (kind)
 CROSS JOIN LATERAL jsonb_array_elements(o.state -> k.kind) WITH ORDINALITY AS c;

UPDATE orders SET state = state - 'captured' - 'refunded'
 WHERE state ? 'captured' OR state ? 'refunded';
