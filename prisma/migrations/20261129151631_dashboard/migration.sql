-- CreateIndex
CREATE INDEX "tasks_customer_id_completed_at_idx" ON "tasks"("customer_id", "completed_at");
