-- AlterTable
ALTER TABLE "tasks" ADD COLUMN     "job_id" TEXT,
ADD COLUMN     "job_line" INTEGER,
ADD COLUMN     "manifest_line" JSONB;

-- CreateTable
CREATE TABLE "jobs" (
    "id" TEXT NOT NULL,
    "customer_id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "manifest_url" TEXT NOT NULL,
    "type" TEXT,
    "label_spec" JSONB NOT NULL,
    "replication" INTEGER,
    "priority" INTEGER,
    "callback_url" TEXT,
    "credentials_sealed" TEXT,
    "total_lines" INTEGER NOT NULL DEFAULT 0,
    "valid_lines" INTEGER NOT NULL DEFAULT 0,
    "invalid_lines" INTEGER NOT NULL DEFAULT 0,
    "tasks_created" INTEGER NOT NULL DEFAULT 0,
    "line_errors" JSONB NOT NULL DEFAULT '[]',
    "reserved_labels" INTEGER NOT NULL DEFAULT 0,
    "ingested_through" INTEGER NOT NULL DEFAULT 0,
    "failure_code" TEXT,
    "failure_reason" TEXT,
    "locked_until" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "completed_at" TIMESTAMPTZ(3),

    CONSTRAINT "jobs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "jobs_customer_id_id_idx" ON "jobs"("customer_id", "id");

-- CreateIndex
CREATE INDEX "jobs_status_locked_until_idx" ON "jobs"("status", "locked_until");

-- CreateIndex
CREATE INDEX "tasks_batch_id_status_idx" ON "tasks"("batch_id", "status");

-- CreateIndex
CREATE INDEX "tasks_job_id_status_idx" ON "tasks"("job_id", "status");

-- CreateIndex
CREATE UNIQUE INDEX "tasks_job_id_job_line_key" ON "tasks"("job_id", "job_line");

-- AddForeignKey
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE CASCADE ON UPDATE CASCADE;
