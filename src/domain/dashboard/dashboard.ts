// The customer's dashboard: aggregate SQL on indexes (never tasks loaded into
// memory), so the numbers stay cheap for a million tasks. Spend comes from the
// same meter as billing, so the two always agree.
import { z } from "zod";
import type { Deps } from "../../deps.js";
import type { Task } from "../../generated/prisma/client.js";
import { firstIdSince, NotFoundError, parseInput, type CustomerActor } from "../shared/index.js";
import { quotaOf, type Quota } from "../accounts/index.js";
import { statusCounts, TASK_STATUSES, type StatusCounts } from "../tasks/index.js";

const DAY_MS = 24 * 60 * 60 * 1000;
/** Turnaround is measured over the tasks completed in this window. */
const TURNAROUND_WINDOW_DAYS = 30;

export interface Overview {
  counts: StatusCounts;
  submitted: { last24h: number; last7d: number };
  completed: { last24h: number; last7d: number };
  /** Seconds from submission to completion, over the last 30 days' completions; null without any. */
  turnaround: { median: number | null; p90: number | null };
  spendThisMonth: number;
  currency: string;
  /** The quota of the asking key's environment. */
  quota: Quota;
  openJobs: number;
  openBatches: number;
}

export async function getOverview(deps: Pick<Deps, "prisma" | "config">, actor: CustomerActor, now = new Date()): Promise<Overview> {
  const customerId = actor.customerId;
  const dayAgo = new Date(now.getTime() - DAY_MS);
  const weekAgo = new Date(now.getTime() - 7 * DAY_MS);
  const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const [groups, submitted, completed, turnaround, spend, customer, openJobs, openBatches] = await Promise.all([
    deps.prisma.task.groupBy({ by: ["status"], where: { customerId }, _count: { _all: true } }),
    deps.prisma.$queryRaw<{ day: number; week: number }[]>`
      SELECT count(*) FILTER (WHERE id >= ${firstIdSince("tsk", dayAgo)})::int AS day, count(*)::int AS week
      FROM tasks WHERE customer_id = ${customerId} AND id >= ${firstIdSince("tsk", weekAgo)}`,
    deps.prisma.$queryRaw<{ day: number; week: number }[]>`
      SELECT count(*) FILTER (WHERE completed_at >= ${dayAgo})::int AS day, count(*)::int AS week
      FROM tasks WHERE customer_id = ${customerId} AND completed_at >= ${weekAgo} AND status = 'completed'`,
    deps.prisma.$queryRaw<{ median: number | null; p90: number | null }[]>`
      SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - created_at)) AS median,
             percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - created_at)) AS p90
      FROM tasks WHERE customer_id = ${customerId} AND status = 'completed'
        AND completed_at >= ${new Date(now.getTime() - TURNAROUND_WINDOW_DAYS * DAY_MS)}`,
    deps.prisma.$queryRaw<{ amount: number }[]>`
      SELECT coalesce(sum(unit_price), 0)::int AS amount FROM billed_labels WHERE customer_id = ${customerId} AND billed_at >= ${monthStart}`,
    deps.prisma.customer.findUnique({ where: { id: customerId } }),
    deps.prisma.job.count({ where: { customerId, status: { in: ["queued", "ingesting", "labeling"] } } }),
    deps.prisma.batch.count({ where: { customerId, status: "pending" } }),
  ]);
  if (!customer) throw new NotFoundError("customer");
  const seconds = (value: number | null) => (value === null ? null : Math.round(Number(value) * 1000) / 1000);
  return {
    counts: statusCounts(groups.map((group) => ({ status: group.status, count: group._count._all }))),
    submitted: { last24h: submitted[0].day, last7d: submitted[0].week },
    completed: { last24h: completed[0].day, last7d: completed[0].week },
    turnaround: { median: seconds(turnaround[0].median), p90: seconds(turnaround[0].p90) },
    spendThisMonth: spend[0].amount,
    currency: deps.config.currency,
    quota: quotaOf(customer, actor.environment),
    openJobs,
    openBatches,
  };
}

const SORTS = {
  created_at_desc: [{ id: "desc" }],
  created_at_asc: [{ id: "asc" }],
  updated_at_desc: [{ updatedAt: "desc" }, { id: "desc" }],
  priority_desc: [{ priority: "desc" }, { id: "asc" }],
} as const;

export const tablePageSchema = z.object({
  page: z.coerce.number({ message: "must be a number" }).int("must be an integer").min(1, "must be at least 1").default(1),
  perPage: z.coerce.number({ message: "must be a number" }).int("must be an integer").min(1, "must be at least 1").max(100, "must be at most 100").default(25),
  status: z.enum(TASK_STATUSES, { message: `must be empty or one of ${TASK_STATUSES.join(", ")}` }).optional(),
  sort: z.enum(Object.keys(SORTS) as [keyof typeof SORTS], { message: `must be one of ${Object.keys(SORTS).join(", ")}` }).default("created_at_desc"),
});

export interface TaskTable {
  items: Task[];
  page: number;
  perPage: number;
  total: number;
  totalPages: number;
}

/** GET /v1/dashboard/tasks: numbered pages of a table; every sort ends on the id, so pages never overlap. */
export async function getTaskTable(deps: Pick<Deps, "prisma">, actor: CustomerActor, input: unknown): Promise<TaskTable> {
  const { page, perPage, status, sort } = parseInput(tablePageSchema, input);
  const where = { customerId: actor.customerId, ...(status ? { status } : {}) };
  const [items, total] = await Promise.all([
    deps.prisma.task.findMany({ where, orderBy: [...SORTS[sort]], skip: (page - 1) * perPage, take: perPage }),
    deps.prisma.task.count({ where }),
  ]);
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

/** GET /v1/dashboard/quality: per task type, over all completed tasks. */
export async function getQuality(deps: Pick<Deps, "prisma">, actor: CustomerActor): Promise<TypeQuality[]> {
  const customerId = actor.customerId;
  const [tasks, votes, bins] = await Promise.all([
    deps.prisma.$queryRaw<{ type: string; completed: number; meanConfidence: number | null; extra: number | null }[]>`
      SELECT type, count(*)::int AS completed, avg(confidence)::float8 AS "meanConfidence",
             avg(CASE WHEN judgment_count > replication THEN 1 ELSE 0 END)::float8 AS extra
      FROM tasks WHERE customer_id = ${customerId} AND status = 'completed' GROUP BY type`,
    deps.prisma.$queryRaw<{ type: string; agreement: number | null; goldAccuracy: number | null }[]>`
      SELECT t.type, avg(CASE WHEN j.answer = t.result THEN 1 ELSE 0 END)::float8 AS agreement,
             avg(CASE WHEN j.answer = t.gold_answer THEN 1 ELSE 0 END) FILTER (WHERE t.gold_answer IS NOT NULL)::float8 AS "goldAccuracy"
      FROM tasks t JOIN judgments j ON j.task_id = t.id
      WHERE t.customer_id = ${customerId} AND t.status = 'completed' GROUP BY t.type`,
    deps.prisma.$queryRaw<{ type: string; bin: number; count: number }[]>`
      SELECT type, least(width_bucket(confidence, 0, 1, 10), 10)::int AS bin, count(*)::int AS count
      FROM tasks WHERE customer_id = ${customerId} AND status = 'completed' AND confidence IS NOT NULL GROUP BY 1, 2`,
  ]);
  const round = (value: number | null) => (value === null ? null : Math.round(value * 10_000) / 10_000);
  return tasks
    .sort((a, b) => a.type.localeCompare(b.type))
    .map((row) => {
      const vote = votes.find((v) => v.type === row.type);
      const histogram = new Array<number>(10).fill(0);
      for (const bin of bins.filter((b) => b.type === row.type)) histogram[Math.max(1, bin.bin) - 1] += bin.count;
      return {
        taskType: row.type,
        completed: row.completed,
        meanConfidence: round(row.meanConfidence),
        agreement: round(vote?.agreement ?? null),
        goldAccuracy: round(vote?.goldAccuracy ?? null),
        extraJudgmentShare: round(row.extra),
        confidenceHistogram: histogram,
      };
    });
}

export interface UsageDay {
  date: string;
  submitted: number;
  completed: number;
  spend: number;
}

/** GET /v1/dashboard/usage: the last 30 UTC days, today included, oldest first. */
export async function getDailyUsage(deps: Pick<Deps, "prisma">, actor: CustomerActor, now = new Date()): Promise<UsageDay[]> {
  const customerId = actor.customerId;
  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - 29 * DAY_MS);
  const [submitted, completed, spend] = await Promise.all([
    deps.prisma.$queryRaw<{ date: string; count: number }[]>`
      SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS date, count(*)::int AS count
      FROM tasks WHERE customer_id = ${customerId} AND id >= ${firstIdSince("tsk", first)} GROUP BY 1`,
    deps.prisma.$queryRaw<{ date: string; count: number }[]>`
      SELECT to_char(completed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS date, count(*)::int AS count
      FROM tasks WHERE customer_id = ${customerId} AND completed_at >= ${first} AND status = 'completed' GROUP BY 1`,
    deps.prisma.$queryRaw<{ date: string; amount: number }[]>`
      SELECT to_char(billed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS date, coalesce(sum(unit_price), 0)::int AS amount
      FROM billed_labels WHERE customer_id = ${customerId} AND billed_at >= ${first} GROUP BY 1`,
  ]);
  return Array.from({ length: 30 }, (_, i) => {
    const date = new Date(first.getTime() + i * DAY_MS).toISOString().slice(0, 10);
    return {
      date,
      submitted: submitted.find((row) => row.date === date)?.count ?? 0,
      completed: completed.find((row) => row.date === date)?.count ?? 0,
      spend: spend.find((row) => row.date === date)?.amount ?? 0,
    };
  });
}
