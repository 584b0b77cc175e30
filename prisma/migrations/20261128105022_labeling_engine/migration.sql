-- AlterTable
ALTER TABLE "tasks" ADD COLUMN     "aggregation" JSONB,
ADD COLUMN     "target_judgments" INTEGER NOT NULL DEFAULT 3,
ADD COLUMN     "workforce" TEXT NOT NULL DEFAULT 'human';

-- CreateTable
CREATE TABLE "annotators" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "simulated_accuracy" DOUBLE PRECISION,
    "token_hash" TEXT NOT NULL,
    "token_prefix" TEXT NOT NULL,
    "gold_total" INTEGER NOT NULL DEFAULT 0,
    "gold_correct" INTEGER NOT NULL DEFAULT 0,
    "judgment_count" INTEGER NOT NULL DEFAULT 0,
    "agreed_count" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "disabled_at" TIMESTAMPTZ(3),

    CONSTRAINT "annotators_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "assignments" (
    "id" TEXT NOT NULL,
    "task_id" TEXT NOT NULL,
    "annotator_id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "leased_until" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "submitted_at" TIMESTAMPTZ(3),

    CONSTRAINT "assignments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "judgments" (
    "id" TEXT NOT NULL,
    "task_id" TEXT NOT NULL,
    "annotator_id" TEXT NOT NULL,
    "assignment_id" TEXT NOT NULL,
    "answer" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "judgments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "events" (
    "id" TEXT NOT NULL,
    "customer_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "annotators_token_hash_key" ON "annotators"("token_hash");

-- CreateIndex
CREATE INDEX "assignments_task_id_status_idx" ON "assignments"("task_id", "status");

-- CreateIndex
CREATE UNIQUE INDEX "assignments_task_id_annotator_id_key" ON "assignments"("task_id", "annotator_id");

-- CreateIndex
CREATE UNIQUE INDEX "judgments_assignment_id_key" ON "judgments"("assignment_id");

-- CreateIndex
CREATE UNIQUE INDEX "judgments_task_id_annotator_id_key" ON "judgments"("task_id", "annotator_id");

-- CreateIndex
CREATE INDEX "events_customer_id_id_idx" ON "events"("customer_id", "id");

-- CreateIndex
CREATE INDEX "tasks_workforce_status_priority_id_idx" ON "tasks"("workforce", "status", "priority" DESC, "id");

-- AddForeignKey
ALTER TABLE "assignments" ADD CONSTRAINT "assignments_task_id_fkey" FOREIGN KEY ("task_id") REFERENCES "tasks"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "assignments" ADD CONSTRAINT "assignments_annotator_id_fkey" FOREIGN KEY ("annotator_id") REFERENCES "annotators"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "judgments" ADD CONSTRAINT "judgments_task_id_fkey" FOREIGN KEY ("task_id") REFERENCES "tasks"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "judgments" ADD CONSTRAINT "judgments_annotator_id_fkey" FOREIGN KEY ("annotator_id") REFERENCES "annotators"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "judgments" ADD CONSTRAINT "judgments_assignment_id_fkey" FOREIGN KEY ("assignment_id") REFERENCES "assignments"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "events" ADD CONSTRAINT "events_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE CASCADE ON UPDATE CASCADE;
