-- orderdesk schema, version 1.
-- Amounts are BIGINT minor units. An order is one row: scalar columns for lookups and the
-- database-level invariants, and `state` (JSONB) holding the aggregate — lines, ledger chunks,
-- events — so that a capture is one locked read and one update, whatever the table's size.

CREATE TABLE server_keys (
    name        text PRIMARY KEY,
    value       bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE merchants (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE stores (
    id          text PRIMARY KEY,
    merchant_id text NOT NULL REFERENCES merchants (id),
    provider    text NOT NULL CHECK (provider IN ('walley', 'ledyer')),
    country     text NOT NULL,
    currency    text NOT NULL,
    segment     text NOT NULL CHECK (segment IN ('B2C', 'B2B')),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stores_merchant ON stores (merchant_id);

CREATE TABLE credentials (
    client_id   text PRIMARY KEY,
    merchant_id text NOT NULL REFERENCES merchants (id),
    secret_hash bytea NOT NULL,
    store_ids   text[] NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE orders (
    id          text PRIMARY KEY,
    seq         bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    provider    text NOT NULL,
    merchant_id text NOT NULL,
    store_id    text NOT NULL REFERENCES stores (id),
    currency    text NOT NULL,
    authorized  bigint NOT NULL,
    captured    bigint NOT NULL,
    refunded    bigint NOT NULL,
    cancelled   bigint NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    state       jsonb NOT NULL,
    CONSTRAINT orders_amounts_not_negative
        CHECK (authorized >= 0 AND captured >= 0 AND refunded >= 0 AND cancelled >= 0),
    CONSTRAINT orders_ledger_adds_up CHECK (captured + cancelled <= authorized),
    CONSTRAINT orders_refunds_within_captures CHECK (refunded <= captured)
);
CREATE INDEX orders_store_created ON orders (store_id, created_at DESC);

-- One row per (credential, key): the request's fingerprint and the response it got, written
-- in the same transaction as the operation it records.
CREATE TABLE idempotency_keys (
    client_id    text NOT NULL,
    key          text NOT NULL,
    fingerprint  bytea NOT NULL,
    order_id     text,
    status_code  integer NOT NULL,
    headers      jsonb NOT NULL,
    body         bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (client_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
