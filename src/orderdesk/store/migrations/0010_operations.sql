-- Operating orderdesk and its sandbox (issue 13). Numbered from 0010 so that the core's own
-- migrations (0002…0009) keep their numbers; the runner applies every missing version.

-- A credential made without a store list acts on all of its merchant's stores, including
-- stores added later: the list is resolved when a token is issued.
ALTER TABLE credentials ADD COLUMN all_stores boolean NOT NULL DEFAULT false;

-- The demo data `orderdesk serve` makes once per database, so that every later start can
-- print the same walkthrough. The demo secret is kept in clear: it is sandbox data, shown
-- on every start by design (`orderdesk serve --no-demo` never makes it).
CREATE TABLE demo_data (
    singleton     boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    client_id     text NOT NULL,
    client_secret text NOT NULL,
    walley_order  text NOT NULL,
    ledyer_order  text NOT NULL,
    ledyer_line   text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- What `orderdesk seed` made, under the names the scenario file gives them, so that seeding
-- the same file again makes nothing twice. kind: merchant | credential | order.
CREATE TABLE seeded (
    kind   text NOT NULL,
    scope  text NOT NULL,
    name   text NOT NULL,
    id     text NOT NULL,
    PRIMARY KEY (kind, scope, name)
);

-- Injected faults (sandbox API): the next `remaining` requests matching store / route /
-- order get `action` before or after the application handled them.
CREATE TABLE sandbox_faults (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    store_id    text,
    method      text,
    route       text,
    order_id    text,
    action      text NOT NULL CHECK (action IN ('error', 'timeout', 'drop', 'delay')),
    status      integer CHECK (status BETWEEN 500 AND 599),
    delay_ms    integer NOT NULL DEFAULT 0 CHECK (delay_ms >= 0),
    phase       text NOT NULL CHECK (phase IN ('before', 'after')),
    remaining   integer NOT NULL CHECK (remaining >= 0),
    applied     integer NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sandbox_faults_active ON sandbox_faults (id) WHERE remaining > 0;
