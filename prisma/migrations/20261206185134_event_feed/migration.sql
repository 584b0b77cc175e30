-- AlterTable
ALTER TABLE "events" ADD COLUMN     "seq" BIGSERIAL NOT NULL,
ADD COLUMN     "txid" xid8 NOT NULL DEFAULT pg_current_xact_id();

-- CreateIndex
CREATE INDEX "events_customer_id_environment_txid_seq_idx" ON "events"("customer_id", "environment", "txid", "seq");

-- CreateIndex
CREATE INDEX "events_created_at_idx" ON "events"("created_at");
