-- Checkout sessions and the providers' callbacks (issue 25; core owns 0150–0159).

-- One row per checkout session (domain/checkout.py::CheckoutSession). `doc` holds the cart,
-- fees, customer, reference, the shop's URLs, metadata, the provider's own `data`, the
-- scenario, the persona and the session's events; the columns are what is looked up or
-- listed. `order_id` names the order the session makes (chosen early when the provider's API
-- promises an id before pay), so no foreign key. Times are on the store's clock.
CREATE TABLE checkout_sessions (
    id               text PRIMARY KEY,
    token            text NOT NULL UNIQUE,
    provider         text NOT NULL,
    store_id         text NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    status           text NOT NULL CHECK (status IN
                     ('open', 'locked', 'completed', 'declined', 'onHold', 'abandoned', 'expired')),
    order_id         text UNIQUE,
    doc              jsonb NOT NULL,
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    token_expires_at timestamptz NOT NULL,
    completed_at     timestamptz
);
CREATE INDEX checkout_sessions_store ON checkout_sessions (store_id, created_at, id);

-- A store's default checkout scenario (domain/checkout.py::Scenario.doc; '{}': the defaults).
ALTER TABLE stores ADD COLUMN checkout_scenario jsonb NOT NULL DEFAULT '{}';

-- What a callback needs of a delivery: its method (Walley's notification is a GET), its own
-- headers (NULL: a notification's — orderdesk's JSON Content-Type and the provider's), the
-- statuses that count as delivered (NULL: the provider's rule), whether it is retried until
-- the order is acknowledged (Klarna's push), its own retry schedule (NULL: the provider's)
-- and the checkout session that queued it. Existing rows are notifications: the defaults.
ALTER TABLE deliveries
    ADD COLUMN method             text NOT NULL DEFAULT 'POST' CHECK (method IN ('GET', 'POST')),
    ADD COLUMN headers            jsonb,
    ADD COLUMN accept             integer[],
    ADD COLUMN until_acknowledged boolean NOT NULL DEFAULT false,
    ADD COLUMN retry_schedule     interval[],
    ADD COLUMN checkout_id        text;
CREATE INDEX deliveries_checkout ON deliveries (checkout_id, id) WHERE checkout_id IS NOT NULL;
