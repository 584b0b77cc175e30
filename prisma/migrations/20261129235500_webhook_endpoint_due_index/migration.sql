-- Written by hand: Prisma cannot declare partial or expression indexes.
-- After a delivery succeeds, the same statement claims that endpoint's next
-- due delivery (webhooks/delivery.ts): one endpoint's due deliveries in claim order.
CREATE INDEX "webhook_deliveries_endpoint_due_idx" ON "webhook_deliveries"((COALESCE("webhook_id", "target_url")), "next_attempt_at", "id")
  WHERE "status" IN ('pending', 'retrying');
