-- AlterTable
ALTER TABLE "projects" ADD COLUMN     "gold_rate" DOUBLE PRECISION;

-- AlterTable
ALTER TABLE "project_suspensions" ADD COLUMN     "until" TIMESTAMPTZ(3);

-- By hand, partial (so schema.prisma does not declare it, and the check does not see it): only gold
-- tasks, so the claim's search for drawn gold costs nothing where there is none.
CREATE INDEX "tasks_gold_queue_idx" ON "tasks"("workforce", "status", "priority" DESC, "id", "project_id") WHERE "gold_answer" IS NOT NULL;
