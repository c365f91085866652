-- Stored replies can be large (a Ledyer order of 1,000 lines answers with ~1 MB of JSON).
-- lz4 compresses them in about half the time of PostgreSQL's default pglz, where the server
-- was built with it; elsewhere the default stays.
DO $$
BEGIN
    ALTER TABLE idempotency_keys ALTER COLUMN body SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    RAISE NOTICE 'lz4 is not available; stored replies keep the default compression';
END
$$;
