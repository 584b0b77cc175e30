-- Written by hand: Prisma cannot declare partial or expression indexes.
-- Claiming a due delivery (webhooks/delivery.ts) scanned and sorted every
-- pending delivery, and for each candidate scanned them again for a busy one
-- of the same endpoint: 93 deliveries/s with 10,000 pending (npm run bench).
-- Due deliveries in claim order:
CREATE INDEX "webhook_deliveries_due_idx" ON "webhook_deliveries"("next_attempt_at", "id")
  WHERE "status" IN ('pending', 'retrying');
-- "Has this endpoint a delivery in flight?":
CREATE INDEX "webhook_deliveries_in_flight_idx" ON "webhook_deliveries"((COALESCE("webhook_id", "target_url")), "locked_until")
  WHERE "status" IN ('pending', 'retrying') AND "locked_until" IS NOT NULL;
