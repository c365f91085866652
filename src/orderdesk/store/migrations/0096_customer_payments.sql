-- Customer payments (issue 23): the customer paying the provider for an invoice is an
-- `order_events` row of type 'paid' (amount in minor units, `ledger_id` naming the invoice),
-- written in the change's own statement like every event. It is no `ledger` row: the ledger
-- holds what the merchant captured, refunded or released, and a payment moves none of that
-- (store/check.py holds as before). Ledyer's `partiallyPaid` / `fullyPaid` status filters sum
-- an order's payments: this index keeps that to the order's few payment rows.
CREATE INDEX order_events_paid ON order_events (order_id, amount) WHERE type = 'paid';

-- The checkout session an order was made in (`state.session_id`): Ledyer's
-- `GET /v1/paymentstatus?sessionId=` finds the order by it.
CREATE INDEX orders_session ON orders ((state ->> 'session_id'));
