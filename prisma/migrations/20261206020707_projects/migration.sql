-- AlterTable
ALTER TABLE "tasks" ADD COLUMN     "project_id" TEXT;

-- AlterTable
ALTER TABLE "jobs" ADD COLUMN     "project_id" TEXT;

-- CreateTable
CREATE TABLE "projects" (
    "id" TEXT NOT NULL,
    "customer_id" TEXT NOT NULL,
    "environment" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "label_spec" JSONB NOT NULL,
    "instructions" TEXT NOT NULL DEFAULT '',
    "examples" JSONB NOT NULL DEFAULT '[]',
    "replication" INTEGER,
    "min_confidence" DOUBLE PRECISION,
    "priority" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "archived_at" TIMESTAMPTZ(3),

    CONSTRAINT "projects_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "projects_customer_id_environment_id_idx" ON "projects"("customer_id", "environment", "id");

-- CreateIndex
CREATE INDEX "tasks_project_id_id_idx" ON "tasks"("project_id", "id");

-- AddForeignKey
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "projects" ADD CONSTRAINT "projects_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE CASCADE ON UPDATE CASCADE;
