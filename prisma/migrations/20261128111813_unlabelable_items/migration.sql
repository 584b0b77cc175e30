-- AlterTable
ALTER TABLE "tasks" ADD COLUMN     "failure_reason" TEXT;

-- AlterTable
ALTER TABLE "assignments" ADD COLUMN     "problem" TEXT;
