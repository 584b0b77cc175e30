// The customer's dashboard. Counts, quality and daily series are sums over the
// rollups that database triggers keep (task_stats, task_hourly_stats,
// billing_daily_stats: a few hundred rows per customer, however many tasks),
// so they cost the same for a million tasks as for ten. Spend comes from the
// same meter as billing, so the two always agree.
import { z } from "zod";
import type { Deps } from "../../deps.js";
import { Prisma, type Task } from "../../generated/prisma/client.js";
import { firstIdSince, NotFoundError, parseInput, tenantOf, type CustomerActor } from "../shared/index.js";
import { quotaOf, type Quota } from "../accounts/index.js";
import { statusCounts, TASK_STATUSES, type StatusCounts } from "../tasks/index.js";

const MINUTE_MS = 60 * 1000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
/** Turnaround: over the latest completions of the last 30 days, at most this many. */
const TURNAROUND_WINDOW_DAYS = 30;
const TURNAROUND_SAMPLE = 10_000;

export interface Overview {
  counts: StatusCounts;
  submitted: { last24h: number; last7d: number };
  completed: { last24h: number; last7d: number };
  /** Seconds from submission to completion, over the latest 10,000 completions of the last 30 days; null without any. */
  turnaround: { median: number | null; p90: number | null };
  spendThisMonth: number;
  currency: string;
  /** The quota of the asking key's environment. */
  quota: Quota;
  openJobs: number;
  openBatches: number;
}

export async function getOverview(deps: Pick<Deps, "prisma" | "config">, actor: CustomerActor, now = new Date()): Promise<Overview> {
  const { customerId, environment } = tenantOf(actor);
  const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const [counts, day, week, turnaround, spend, customer, openJobs, openBatches] = await Promise.all([
    statusCountsOf(deps, customerId, environment),
    submittedAndCompletedSince(deps, customerId, environment, new Date(now.getTime() - DAY_MS)),
    submittedAndCompletedSince(deps, customerId, environment, new Date(now.getTime() - 7 * DAY_MS)),
    deps.prisma.$queryRaw<{ median: number | null; p90: number | null }[]>`
      SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS median, percentile_cont(0.9) WITHIN GROUP (ORDER BY seconds) AS p90
      FROM (SELECT extract(epoch FROM completed_at - created_at) AS seconds
            FROM tasks WHERE customer_id = ${customerId} AND environment = ${environment} AND completed_at >= ${new Date(now.getTime() - TURNAROUND_WINDOW_DAYS * DAY_MS)}
              AND status = 'completed'
            ORDER BY completed_at DESC LIMIT ${TURNAROUND_SAMPLE}) latest`,
    deps.prisma.$queryRaw<{ amount: number }[]>`
      SELECT coalesce(sum(amount), 0)::int AS amount FROM billing_daily_stats WHERE customer_id = ${customerId} AND tier = ${environment} AND day >= (${monthStart}::timestamptz AT TIME ZONE 'UTC')::date`,
    deps.prisma.customer.findUnique({ where: { id: customerId } }),
    deps.prisma.job.count({ where: { customerId, environment, status: { in: ["queued", "ingesting", "labeling"] } } }),
    deps.prisma.batch.count({ where: { customerId, environment, status: "pending" } }),
  ]);
  if (!customer) throw new NotFoundError("customer");
  const seconds = (value: number | null) => (value === null ? null : Math.round(Number(value) * 1000) / 1000);
  return {
    counts,
    submitted: { last24h: day.submitted, last7d: week.submitted },
    completed: { last24h: day.completed, last7d: week.completed },
    turnaround: { median: seconds(turnaround[0].median), p90: seconds(turnaround[0].p90) },
    spendThisMonth: spend[0].amount,
    currency: deps.config.currency,
    quota: quotaOf(customer, actor.environment),
    openJobs,
    openBatches,
  };
}

/** The customer environment's tasks by status, from the rollup. */
async function statusCountsOf(deps: Pick<Deps, "prisma">, customerId: string, environment: string): Promise<StatusCounts> {
  const rows = await deps.prisma.$queryRaw<{ status: string; count: number }[]>`
    SELECT status, sum(tasks)::int AS count FROM task_stats WHERE customer_id = ${customerId} AND environment = ${environment} GROUP BY status`;
  return statusCounts(rows);
}

/**
 * Tasks submitted and completed since `since`, exactly: whole hours from the
 * hourly rollup, and the part of the first hour before the next full hour
 * counted on the tasks' indexes.
 */
async function submittedAndCompletedSince(deps: Pick<Deps, "prisma">, customerId: string, environment: string, since: Date) {
  const nextHour = new Date(Math.ceil(since.getTime() / HOUR_MS) * HOUR_MS);
  // Ids carry their creation time: a minute's margin either side, then created_at decides.
  const [row] = await deps.prisma.$queryRaw<{ submitted: number; completed: number }[]>`
    SELECT
      (SELECT coalesce(sum(submitted), 0) FROM task_hourly_stats WHERE customer_id = ${customerId} AND environment = ${environment} AND hour >= ${nextHour})
      + (SELECT count(*) FROM tasks WHERE customer_id = ${customerId} AND environment = ${environment}
           AND id >= ${firstIdSince("tsk", new Date(since.getTime() - MINUTE_MS))} AND id < ${firstIdSince("tsk", new Date(nextHour.getTime() + MINUTE_MS))}
           AND created_at >= ${since} AND created_at < ${nextHour}) AS submitted,
      (SELECT coalesce(sum(completed), 0) FROM task_hourly_stats WHERE customer_id = ${customerId} AND environment = ${environment} AND hour >= ${nextHour})
      + (SELECT count(*) FROM tasks WHERE customer_id = ${customerId} AND environment = ${environment}
           AND completed_at >= ${since} AND completed_at < ${nextHour} AND status = 'completed') AS completed`;
  return { submitted: Number(row.submitted), completed: Number(row.completed) };
}

// Every sort ends on the id, so pages never overlap. Each has an index per
// status, (customer, environment, status, <sort>, id). SQL text from this map only.
const SORTS = {
  created_at_desc: { order: Prisma.sql`id DESC`, columns: Prisma.sql`id` },
  created_at_asc: { order: Prisma.sql`id ASC`, columns: Prisma.sql`id` },
  updated_at_desc: { order: Prisma.sql`updated_at DESC, id DESC`, columns: Prisma.sql`id, updated_at` },
  priority_desc: { order: Prisma.sql`priority DESC, id ASC`, columns: Prisma.sql`id, priority` },
} as const;

export const tablePageSchema = z.object({
  page: z.coerce.number({ message: "must be a number" }).int("must be an integer").min(1, "must be at least 1").max(1_000_000, "must be at most 1000000").default(1),
  perPage: z.coerce.number({ message: "must be a number" }).int("must be an integer").min(1, "must be at least 1").max(100, "must be at most 100").default(25),
  status: z.enum(TASK_STATUSES, { message: `must be empty or one of ${TASK_STATUSES.join(", ")}` }).optional(),
  sort: z.enum(Object.keys(SORTS) as [keyof typeof SORTS], { message: `must be one of ${Object.keys(SORTS).join(", ")}` }).default("created_at_desc"),
  /** Only this project's tasks (counted on its tasks rather than from the rollup). */
  projectId: z.string().max(100).optional(),
});

export interface TaskTable {
  items: Task[];
  page: number;
  perPage: number;
  total: number;
  totalPages: number;
}

/**
 * GET /v1/dashboard/tasks: numbered pages of a table. A page's ids come from
 * the indexes alone: one ordered scan per status asked for, merged (so a deep
 * page skips index entries, not rows); then the page's rows. The total comes
 * from the status rollup rather than a count.
 */
export async function getTaskTable(deps: Pick<Deps, "prisma">, actor: CustomerActor, input: unknown): Promise<TaskTable> {
  const { page, perPage, status, sort, projectId } = parseInput(tablePageSchema, input);
  const { customerId, environment } = tenantOf(actor);
  const { order, columns } = SORTS[sort];
  const through = page * perPage;
  const ofProject = projectId ? Prisma.sql`AND project_id = ${projectId}` : Prisma.empty;
  const scans = (status ? [status] : TASK_STATUSES).map(
    (one) =>
      Prisma.sql`(SELECT ${columns} FROM tasks WHERE customer_id = ${customerId} AND environment = ${environment} AND status = ${one} ${ofProject} ORDER BY ${order} LIMIT ${through})`,
  );
  const [ids, counts] = await Promise.all([
    deps.prisma.$queryRaw<{ id: string }[]>`
      SELECT id FROM (${Prisma.join(scans, " UNION ALL ")}) page ORDER BY ${order} OFFSET ${through - perPage} LIMIT ${perPage}`,
    projectId
      ? deps.prisma.$queryRaw<{ status: string; count: number }[]>`
          SELECT status, count(*)::int AS count FROM tasks WHERE project_id = ${projectId} AND customer_id = ${customerId} AND environment = ${environment} GROUP BY status`.then(statusCounts)
      : statusCountsOf(deps, customerId, environment),
  ]);
  const rows = await deps.prisma.task.findMany({ where: { id: { in: ids.map((row) => row.id) } } });
  const byId = new Map(rows.map((row) => [row.id, row]));
  const items = ids.map((row) => byId.get(row.id)!);
  const total = status ? counts[status] : Object.values(counts).reduce((sum, count) => sum + count, 0);
  return { items, page, perPage, total, totalPages: Math.ceil(total / perPage) };
}

export interface TypeQuality {
  taskType: string;
  completed: number;
  meanConfidence: number | null;
  /** Share of judgments equal to the task's result (exact match). */
  agreement: number | null;
  /** Share of judgments on gold tasks equal to the gold answer (exact match). */
  goldAccuracy: number | null;
  /** Share of completed tasks that needed more judgments than asked (min_confidence). */
  extraJudgmentShare: number | null;
  /** Completed tasks by confidence, 10 bins of 0.1 (the last includes 1.0). */
  confidenceHistogram: number[];
}

/** GET /v1/dashboard/quality: per task type, over all completed tasks (from the rollup). */
export async function getQuality(deps: Pick<Deps, "prisma">, actor: CustomerActor): Promise<TypeQuality[]> {
  const rows = await deps.prisma.$queryRaw<
    { type: string; bin: number; tasks: number; confidence: number; extra: number; judgments: number; agreeing: number; goldJudgments: number; goldCorrect: number }[]
  >`
    SELECT type, confidence_bin AS bin, sum(tasks)::int AS tasks, sum(confidence_sum)::float8 AS confidence, sum(extra_judgment_tasks)::int AS extra,
           sum(judgments)::int AS judgments, sum(agreeing_judgments)::int AS agreeing,
           sum(gold_judgments)::int AS "goldJudgments", sum(gold_correct_judgments)::int AS "goldCorrect"
    FROM task_stats WHERE customer_id = ${actor.customerId} AND environment = ${actor.environment} AND status = 'completed'
    GROUP BY type, confidence_bin`;
  const ratio = (part: number, whole: number) => (whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000);
  const sum = (bins: typeof rows, field: "tasks" | "confidence" | "extra" | "judgments" | "agreeing" | "goldJudgments" | "goldCorrect") =>
    bins.reduce((total, bin) => total + bin[field], 0);
  const types = [...new Set(rows.map((row) => row.type))].sort();
  return types
    .map((taskType) => {
      const bins = rows.filter((row) => row.type === taskType);
      const histogram = new Array<number>(10).fill(0);
      for (const bin of bins) if (bin.bin > 0) histogram[bin.bin - 1] += bin.tasks;
      const completed = sum(bins, "tasks");
      return {
        taskType,
        completed,
        meanConfidence: ratio(sum(bins, "confidence"), histogram.reduce((a, b) => a + b, 0)),
        agreement: ratio(sum(bins, "agreeing"), sum(bins, "judgments")),
        goldAccuracy: ratio(sum(bins, "goldCorrect"), sum(bins, "goldJudgments")),
        extraJudgmentShare: ratio(sum(bins, "extra"), completed),
        confidenceHistogram: histogram,
      };
    })
    .filter((quality) => quality.completed > 0);
}

export interface UsageDay {
  date: string;
  submitted: number;
  completed: number;
  spend: number;
}

/** GET /v1/dashboard/usage: the last 30 UTC days, today included, oldest first (from the rollups). */
export async function getDailyUsage(deps: Pick<Deps, "prisma">, actor: CustomerActor, now = new Date()): Promise<UsageDay[]> {
  const { customerId, environment } = tenantOf(actor);
  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - 29 * DAY_MS);
  const [tasks, spend] = await Promise.all([
    deps.prisma.$queryRaw<{ date: string; submitted: number; completed: number }[]>`
      SELECT to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS date, sum(submitted)::int AS submitted, sum(completed)::int AS completed
      FROM task_hourly_stats WHERE customer_id = ${customerId} AND environment = ${environment} AND hour >= ${first} GROUP BY 1`,
    deps.prisma.$queryRaw<{ date: string; amount: number }[]>`
      SELECT to_char(day, 'YYYY-MM-DD') AS date, sum(amount)::int AS amount
      FROM billing_daily_stats WHERE customer_id = ${customerId} AND tier = ${environment} AND day >= (${first}::timestamptz AT TIME ZONE 'UTC')::date GROUP BY 1`,
  ]);
  return Array.from({ length: 30 }, (_, i) => {
    const date = new Date(first.getTime() + i * DAY_MS).toISOString().slice(0, 10);
    const day = tasks.find((row) => row.date === date);
    return { date, submitted: day?.submitted ?? 0, completed: day?.completed ?? 0, spend: spend.find((row) => row.date === date)?.amount ?? 0 };
  });
}
