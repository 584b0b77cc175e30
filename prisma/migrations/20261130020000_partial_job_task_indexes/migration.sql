-- Written by hand, like partial_task_indexes: Prisma reads these as the plain
-- indexes schema.prisma declares. Only a job's tasks have a job_id; single
-- and batch tasks no longer pay two index insertions for NULL entries.
-- Every query on them filters on job_id = …, and the ingester's
-- ON CONFLICT (job_id, job_line) names the same predicate.
DROP INDEX "tasks_job_id_status_idx";
CREATE INDEX "tasks_job_id_status_idx" ON "tasks"("job_id", "status") WHERE "job_id" IS NOT NULL;
DROP INDEX "tasks_job_id_job_line_key";
CREATE UNIQUE INDEX "tasks_job_id_job_line_key" ON "tasks"("job_id", "job_line") WHERE "job_id" IS NOT NULL;
