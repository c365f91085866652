-- The ledger records refunds (credit notes) and reauthorizations too.
ALTER TABLE ledger DROP CONSTRAINT ledger_kind_check;
ALTER TABLE ledger ADD CONSTRAINT ledger_kind_check
    CHECK (kind IN ('capture', 'refund', 'release', 'reauthorize'));
