-- Providers as units (issue 20): a provider's name is data, checked by the registry of the
-- installed providers (orderdesk/providers/registry.py), not by a CHECK listing names.
ALTER TABLE stores DROP CONSTRAINT IF EXISTS stores_provider_check;

-- The demo data: each provider's demo order, as that provider's demo keeps it, under its name.
ALTER TABLE demo_data ADD COLUMN orders jsonb NOT NULL DEFAULT '{}';
UPDATE demo_data SET orders = jsonb_build_object(
    'walley', jsonb_build_object('order', walley_order),
    'ledyer', jsonb_build_object('order', ledyer_order, 'line', ledyer_line));
ALTER TABLE demo_data
    DROP COLUMN walley_order,
    DROP COLUMN ledyer_order,
    DROP COLUMN ledyer_line,
    ALTER COLUMN orders DROP DEFAULT;
