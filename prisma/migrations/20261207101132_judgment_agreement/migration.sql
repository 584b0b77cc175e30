-- AlterTable
ALTER TABLE "judgments" ADD COLUMN     "agreed" BOOLEAN;
