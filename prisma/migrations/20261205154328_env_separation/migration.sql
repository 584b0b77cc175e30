-- Sandbox and live data kept apart: every row a customer owns belongs to one
-- environment, the one of the key that made it, and every read filters by
-- the caller's. Rows made before this migration are assigned as follows:
--   tasks      by their workforce (the simulated crowd labels sandbox tasks only);
--   batches    by their tasks (a batch without tasks: the customer's tier);
--   jobs       already recorded the key's environment;
--   events     by the task, batch or job they describe (else the customer's tier);
--   webhooks   by the customer's tier: a live customer's endpoints keep
--              receiving live events, a sandbox customer's sandbox ones;
--   callback secret: kept by the environment of the customer's tier (a live
--              customer's receivers go on verifying live callbacks); the
--              other environment gets its own on first use;
--   billed labels and their rollup already recorded it (tier);
--   idempotency records are scoped by customer and environment from now on;
--              a retry of a request made before the upgrade is not replayed.

-- The rollup triggers are rebuilt below with the environment in their keys.
DROP TRIGGER "task_stats_on_insert" ON "tasks";
DROP TRIGGER "task_stats_on_update" ON "tasks";
DROP TRIGGER "task_stats_on_delete" ON "tasks";
DROP FUNCTION record_task_stats_on_insert();
DROP FUNCTION record_task_stats_on_update();
DROP FUNCTION record_task_stats_on_delete();
DROP FUNCTION task_stats_sql(text);
DROP FUNCTION compact_stats();

-- DropIndex
DROP INDEX "batches_customer_id_id_idx";
DROP INDEX "tasks_customer_id_id_idx";
DROP INDEX "tasks_customer_id_status_id_idx";
DROP INDEX "tasks_customer_id_status_priority_id_idx";
DROP INDEX "tasks_customer_id_status_updated_at_id_idx";
DROP INDEX "tasks_customer_id_type_id_idx";
DROP INDEX "tasks_customer_id_completed_at_idx";
DROP INDEX "tasks_customer_id_external_id_key";
DROP INDEX "jobs_customer_id_id_idx";
DROP INDEX "task_stats_customer_id_idx";
DROP INDEX "task_hourly_stats_customer_id_hour_idx";
DROP INDEX "billing_daily_stats_customer_id_day_idx";
DROP INDEX "events_customer_id_id_idx";
DROP INDEX "webhooks_customer_id_id_idx";

-- Customers: one callback secret per environment.
ALTER TABLE "customers" ADD COLUMN "live_callback_secret_sealed" TEXT;
UPDATE "customers" SET "live_callback_secret_sealed" = "callback_secret_sealed", "callback_secret_sealed" = NULL WHERE "tier" = 'live';

-- Tasks.
ALTER TABLE "tasks" ADD COLUMN "environment" TEXT;
UPDATE "tasks" SET "environment" = CASE WHEN "workforce" = 'simulated' THEN 'sandbox' ELSE 'live' END;
ALTER TABLE "tasks" ALTER COLUMN "environment" SET NOT NULL;

-- Batches.
ALTER TABLE "batches" ADD COLUMN "environment" TEXT;
UPDATE "batches" b SET "environment" = coalesce(
  (SELECT t."environment" FROM "tasks" t WHERE t."batch_id" = b."id" LIMIT 1),
  (SELECT CASE WHEN c."tier" = 'live' THEN 'live' ELSE 'sandbox' END FROM "customers" c WHERE c."id" = b."customer_id"));
ALTER TABLE "batches" ALTER COLUMN "environment" SET NOT NULL;

-- Jobs.
ALTER TABLE "jobs" ALTER COLUMN "environment" DROP DEFAULT;

-- Events.
ALTER TABLE "events" ADD COLUMN "environment" TEXT;
UPDATE "events" e SET "environment" = coalesce(
  (SELECT t."environment" FROM "tasks" t WHERE t."id" = e."payload" -> 'data' ->> 'task_id'),
  (SELECT b."environment" FROM "batches" b WHERE b."id" = e."payload" -> 'data' ->> 'batch_id'),
  (SELECT j."environment" FROM "jobs" j WHERE j."id" = e."payload" -> 'data' ->> 'job_id'),
  (SELECT CASE WHEN c."tier" = 'live' THEN 'live' ELSE 'sandbox' END FROM "customers" c WHERE c."id" = e."customer_id"));
ALTER TABLE "events" ALTER COLUMN "environment" SET NOT NULL;

-- Webhooks.
ALTER TABLE "webhooks" ADD COLUMN "environment" TEXT;
UPDATE "webhooks" w SET "environment" =
  (SELECT CASE WHEN c."tier" = 'live' THEN 'live' ELSE 'sandbox' END FROM "customers" c WHERE c."id" = w."customer_id");
ALTER TABLE "webhooks" ALTER COLUMN "environment" SET NOT NULL;

-- The task rollups, recomputed below with the environment.
TRUNCATE "task_stats", "task_hourly_stats";
ALTER TABLE "task_stats" ADD COLUMN "environment" TEXT NOT NULL;
ALTER TABLE "task_hourly_stats" ADD COLUMN "environment" TEXT NOT NULL;

-- CreateIndex
CREATE INDEX "batches_customer_id_environment_id_idx" ON "batches"("customer_id", "environment", "id");
CREATE INDEX "tasks_customer_id_environment_id_idx" ON "tasks"("customer_id", "environment", "id");
CREATE INDEX "tasks_customer_id_environment_status_id_idx" ON "tasks"("customer_id", "environment", "status", "id");
CREATE INDEX "tasks_customer_id_environment_type_id_idx" ON "tasks"("customer_id", "environment", "type", "id");
CREATE INDEX "tasks_customer_id_environment_status_priority_id_idx" ON "tasks"("customer_id", "environment", "status", "priority" DESC, "id");
CREATE INDEX "tasks_customer_id_environment_status_updated_at_id_idx" ON "tasks"("customer_id", "environment", "status", "updated_at" DESC, "id");
CREATE INDEX "jobs_customer_id_environment_id_idx" ON "jobs"("customer_id", "environment", "id");
CREATE INDEX "task_stats_customer_id_environment_idx" ON "task_stats"("customer_id", "environment");
CREATE INDEX "task_hourly_stats_customer_id_environment_hour_idx" ON "task_hourly_stats"("customer_id", "environment", "hour");
CREATE INDEX "billing_daily_stats_customer_id_tier_day_idx" ON "billing_daily_stats"("customer_id", "tier", "day");
CREATE INDEX "events_customer_id_environment_id_idx" ON "events"("customer_id", "environment", "id");
CREATE INDEX "webhooks_customer_id_environment_id_idx" ON "webhooks"("customer_id", "environment", "id");

-- Written by hand from here on (partial indexes, functions and triggers; see
-- the migrations partial_task_indexes and dashboard_rollups).
-- An external_id deduplicates within one environment: a sandbox task never answers for a live one.
CREATE UNIQUE INDEX "tasks_customer_id_environment_external_id_key" ON "tasks"("customer_id", "environment", "external_id") WHERE "external_id" IS NOT NULL;
CREATE INDEX "tasks_customer_id_environment_completed_at_idx" ON "tasks"("customer_id", "environment", "completed_at") WHERE "completed_at" IS NOT NULL;

-- As in dashboard_rollups, with the environment in every key.
CREATE FUNCTION task_stats_sql(changes text) RETURNS text LANGUAGE sql IMMUTABLE AS $fn$
SELECT format($sql$
WITH changed AS MATERIALIZED (
  SELECT sign, customer_id, environment, type, status, created_at, completed_at,
         status = 'completed' AS done,
         CASE WHEN status = 'completed' AND confidence IS NOT NULL
              THEN least(greatest(width_bucket(confidence, 0, 1, 10), 1), 10) ELSE 0 END AS confidence_bin,
         CASE WHEN status = 'completed' THEN coalesce(confidence, 0) ELSE 0 END AS confidence,
         CASE WHEN status = 'completed' AND judgment_count > replication THEN 1 ELSE 0 END AS extra,
         CASE WHEN status = 'completed' THEN judgment_count ELSE 0 END AS judgments,
         CASE WHEN status = 'completed' THEN coalesce(agreeing_judgments, 0) ELSE 0 END AS agreeing,
         CASE WHEN status = 'completed' AND gold_answer IS NOT NULL THEN judgment_count ELSE 0 END AS gold_judgments,
         CASE WHEN status = 'completed' AND gold_answer IS NOT NULL THEN coalesce(gold_correct_judgments, 0) ELSE 0 END AS gold_correct
  FROM (%s) c
),
hourly AS (
  INSERT INTO task_hourly_stats (customer_id, environment, type, hour, submitted, completed)
  SELECT customer_id, environment, type, hour, sum(submitted), sum(completed)
  FROM (
    SELECT customer_id, environment, type, date_trunc('hour', created_at, 'UTC') AS hour, sign AS submitted, 0 AS completed FROM changed
    UNION ALL
    SELECT customer_id, environment, type, date_trunc('hour', completed_at, 'UTC'), 0, sign FROM changed WHERE done
  ) facts
  GROUP BY customer_id, environment, type, hour
  HAVING sum(submitted) <> 0 OR sum(completed) <> 0
)
INSERT INTO task_stats (customer_id, environment, type, status, confidence_bin, tasks, confidence_sum, extra_judgment_tasks,
                        judgments, agreeing_judgments, gold_judgments, gold_correct_judgments)
SELECT customer_id, environment, type, status, confidence_bin, sum(sign), sum(sign * confidence), sum(sign * extra),
       sum(sign * judgments), sum(sign * agreeing), sum(sign * gold_judgments), sum(sign * gold_correct)
FROM changed
GROUP BY customer_id, environment, type, status, confidence_bin
HAVING sum(sign) <> 0 OR sum(sign * judgments) <> 0 OR sum(sign * agreeing) <> 0 OR sum(sign * gold_correct) <> 0
    OR sum(sign * extra) <> 0 OR abs(sum(sign * confidence)) > 1e-9
$sql$, changes)
$fn$;

DO $$
DECLARE
  sources CONSTANT text[][] := ARRAY[
    ['insert', 'SELECT 1 AS sign, n.* FROM new_rows n'],
    ['update', 'SELECT 1 AS sign, n.* FROM new_rows n UNION ALL SELECT -1 AS sign, o.* FROM old_rows o'],
    ['delete', 'SELECT -1 AS sign, o.* FROM old_rows o']];
  i int;
BEGIN
  FOR i IN 1..3 LOOP
    EXECUTE format('CREATE FUNCTION record_task_stats_on_%s() RETURNS trigger LANGUAGE plpgsql AS %L',
      sources[i][1], 'BEGIN ' || task_stats_sql(sources[i][2]) || '; RETURN NULL; END');
  END LOOP;
END $$;

CREATE TRIGGER task_stats_on_insert AFTER INSERT ON "tasks"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_task_stats_on_insert();
CREATE TRIGGER task_stats_on_update AFTER UPDATE ON "tasks"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_task_stats_on_update();
CREATE TRIGGER task_stats_on_delete AFTER DELETE ON "tasks"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION record_task_stats_on_delete();

DO $$ BEGIN EXECUTE task_stats_sql('SELECT 1 AS sign, t.* FROM tasks t'); END $$;

CREATE FUNCTION compact_stats() RETURNS void LANGUAGE sql AS $fn$
WITH keys AS (
  SELECT customer_id, environment, type, status, confidence_bin FROM task_stats GROUP BY 1, 2, 3, 4, 5 HAVING count(*) > 1
), gone AS (
  DELETE FROM task_stats s USING keys k
  WHERE (s.customer_id, s.environment, s.type, s.status, s.confidence_bin) = (k.customer_id, k.environment, k.type, k.status, k.confidence_bin)
  RETURNING s.*
)
INSERT INTO task_stats (customer_id, environment, type, status, confidence_bin, tasks, confidence_sum, extra_judgment_tasks,
                        judgments, agreeing_judgments, gold_judgments, gold_correct_judgments)
SELECT customer_id, environment, type, status, confidence_bin, sum(tasks), sum(confidence_sum), sum(extra_judgment_tasks),
       sum(judgments), sum(agreeing_judgments), sum(gold_judgments), sum(gold_correct_judgments)
FROM gone GROUP BY 1, 2, 3, 4, 5
HAVING sum(tasks) <> 0 OR sum(judgments) <> 0 OR sum(extra_judgment_tasks) <> 0 OR abs(sum(confidence_sum)) > 1e-9;

WITH keys AS (
  SELECT customer_id, environment, type, hour FROM task_hourly_stats GROUP BY 1, 2, 3, 4 HAVING count(*) > 1
), gone AS (
  DELETE FROM task_hourly_stats s USING keys k
  WHERE (s.customer_id, s.environment, s.type, s.hour) = (k.customer_id, k.environment, k.type, k.hour)
  RETURNING s.*
)
INSERT INTO task_hourly_stats (customer_id, environment, type, hour, submitted, completed)
SELECT customer_id, environment, type, hour, sum(submitted), sum(completed) FROM gone GROUP BY 1, 2, 3, 4
HAVING sum(submitted) <> 0 OR sum(completed) <> 0;

WITH keys AS (
  SELECT customer_id, day, type, tier, unit_price FROM billing_daily_stats GROUP BY 1, 2, 3, 4, 5 HAVING count(*) > 1
), gone AS (
  DELETE FROM billing_daily_stats s USING keys k
  WHERE (s.customer_id, s.day, s.type, s.tier, s.unit_price) = (k.customer_id, k.day, k.type, k.tier, k.unit_price)
  RETURNING s.*
)
INSERT INTO billing_daily_stats (customer_id, day, type, tier, unit_price, labels, amount)
SELECT customer_id, day, type, tier, unit_price, sum(labels), sum(amount) FROM gone GROUP BY 1, 2, 3, 4, 5
HAVING sum(labels) <> 0;
$fn$;
