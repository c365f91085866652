-- The callbacks still pending that stop once their order is acknowledged (Klarna's push):
-- the delivery worker looks for the acknowledged ones before each claim.
CREATE INDEX deliveries_pending_until_acknowledged ON deliveries (order_id)
    WHERE state = 'pending' AND until_acknowledged;
