-- Signed Walley webhooks (issue 23, its webhook part; numbered 0113 so that the issue's other
-- parts keep the numbers around 0100).

-- Each store's webhook secret: the HMAC key a Walley store's deliveries are signed with
-- (Walley-Signature), shown and rotated through the sandbox API and shown in the back-office.
-- gen_random_uuid() draws from PostgreSQL's strong random source; two of them, without their
-- dashes, are 64 hex digits (244 random bits). Existing stores get one too.
ALTER TABLE stores ADD COLUMN webhook_secret text NOT NULL
  DEFAULT replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');

-- The correlation id of the write that queued a delivery (Walley-CorrelationId): the id of
-- the last event that write appended, as its answer's X-Correlation-Id says. Rows queued
-- before this have none; their own event's id stands in for it.
ALTER TABLE deliveries ADD COLUMN correlation_id text;
