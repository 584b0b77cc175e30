-- CreateIndex
CREATE INDEX "tasks_customer_id_status_priority_id_idx" ON "tasks"("customer_id", "status", "priority" DESC, "id");

-- CreateIndex
CREATE INDEX "tasks_customer_id_status_updated_at_id_idx" ON "tasks"("customer_id", "status", "updated_at" DESC, "id");
