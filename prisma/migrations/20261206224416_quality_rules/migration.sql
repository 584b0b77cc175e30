-- AlterTable
ALTER TABLE "projects" ADD COLUMN     "quality_rules" JSONB;

-- CreateTable
CREATE TABLE "project_suspensions" (
    "project_id" TEXT NOT NULL,
    "annotator_id" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "changed_by" TEXT NOT NULL,
    "suspended_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "project_suspensions_pkey" PRIMARY KEY ("project_id","annotator_id")
);

-- CreateIndex
CREATE INDEX "judgments_annotator_id_created_at_idx" ON "judgments"("annotator_id", "created_at" DESC);

-- AddForeignKey
ALTER TABLE "project_suspensions" ADD CONSTRAINT "project_suspensions_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "project_suspensions" ADD CONSTRAINT "project_suspensions_annotator_id_fkey" FOREIGN KEY ("annotator_id") REFERENCES "annotators"("id") ON DELETE CASCADE ON UPDATE CASCADE;
