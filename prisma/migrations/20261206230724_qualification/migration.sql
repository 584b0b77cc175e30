-- AlterTable
ALTER TABLE "projects" ADD COLUMN     "qualification" JSONB;

-- CreateTable
CREATE TABLE "project_qualifications" (
    "project_id" TEXT NOT NULL,
    "annotator_id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "accuracy" DOUBLE PRECISION NOT NULL,
    "decided_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "retry_at" TIMESTAMPTZ(3),

    CONSTRAINT "project_qualifications_pkey" PRIMARY KEY ("project_id","annotator_id")
);

-- AddForeignKey
ALTER TABLE "project_qualifications" ADD CONSTRAINT "project_qualifications_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "project_qualifications" ADD CONSTRAINT "project_qualifications_annotator_id_fkey" FOREIGN KEY ("annotator_id") REFERENCES "annotators"("id") ON DELETE CASCADE ON UPDATE CASCADE;
