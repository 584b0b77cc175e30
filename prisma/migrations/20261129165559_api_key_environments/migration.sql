-- AlterTable
ALTER TABLE "customers" ADD COLUMN     "sandbox_label_quota" INTEGER NOT NULL DEFAULT 500,
ADD COLUMN     "sandbox_labels_used" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "api_keys" ADD COLUMN     "environment" TEXT NOT NULL DEFAULT 'sandbox',
ADD COLUMN     "last_used_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "jobs" ADD COLUMN     "environment" TEXT NOT NULL DEFAULT 'sandbox';

-- Keys of each environment: a key's environment is its prefix's. A live
-- customer's older keys were all sk_sandbox_ and sent work to people: they
-- stay live, so that no live integration silently moves to the simulated crowd.
UPDATE "api_keys" SET "environment" = 'live'
WHERE "prefix" LIKE 'sk\_live\_%' OR "customer_id" IN (SELECT "id" FROM "customers" WHERE "tier" = 'live');

-- Jobs run in the environment their customer's tier gave them until now.
UPDATE "jobs" SET "environment" = c."tier" FROM "customers" c WHERE c."id" = "jobs"."customer_id";

-- A sandbox customer's quota was its sandbox quota; live customers keep theirs as the live one.
UPDATE "customers" SET "sandbox_label_quota" = "label_quota", "sandbox_labels_used" = "labels_used", "label_quota" = 0, "labels_used" = 0
WHERE "tier" = 'sandbox';
