-- AlterTable
ALTER TABLE "customers" ADD COLUMN     "callback_secret_sealed" TEXT;

-- AlterTable
ALTER TABLE "webhook_deliveries" ADD COLUMN     "target_url" TEXT,
ALTER COLUMN "webhook_id" DROP NOT NULL;
