// Metered usage: every completed, non-gold task was recorded once, when it
// completed (tasks/lifecycle.ts), at its price; these read it by UTC month
// from the daily rollup a trigger keeps of those records (billing_daily_stats).
import { z } from "zod";
import type { Deps } from "../../deps.js";
import { NotFoundError, parseInput, type CustomerActor } from "../shared/index.js";
import { quotaOf, type Quota } from "../accounts/index.js";

export const monthSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "must be a month like 2026-04");

/** "YYYY-MM" → its first instant and the next month's (UTC). */
export function monthRange(month: string): { start: Date; end: Date } {
  const [year, index] = month.split("-").map(Number);
  return { start: new Date(Date.UTC(year, index - 1, 1)), end: new Date(Date.UTC(year, index, 1)) };
}

export const monthOf = (date: Date) => date.toISOString().slice(0, 7);

export interface UsageLine {
  taskType: string;
  unitPrice: number;
  labels: number;
  amount: number;
}

export interface MonthUsage {
  month: string;
  currency: string;
  byType: { taskType: string; labels: number; amount: number }[];
  byDay: { date: string; labels: number; amount: number }[];
  totalLabels: number;
  totalAmount: number;
  /** The quota of the asking key's environment. */
  quota: Quota;
}

/** GET /v1/billing/usage?month=YYYY-MM (default: this UTC month): the asking key's environment's labels. */
export async function getUsage(deps: Pick<Deps, "prisma" | "config">, actor: CustomerActor, month?: unknown): Promise<MonthUsage> {
  const chosen = month === undefined ? monthOf(new Date()) : parseInput(monthSchema, month, ["month"]);
  const { start, end } = monthRange(chosen);
  const [byType, byDay, customer] = await Promise.all([
    deps.prisma.$queryRaw<{ taskType: string; labels: number; amount: number }[]>`
      SELECT type AS "taskType", sum(labels)::int AS labels, sum(amount)::int AS amount
      FROM billing_daily_stats WHERE customer_id = ${actor.customerId} AND tier = ${actor.environment} AND day >= (${start}::timestamptz AT TIME ZONE 'UTC')::date AND day < (${end}::timestamptz AT TIME ZONE 'UTC')::date
      GROUP BY type HAVING sum(labels) > 0 ORDER BY type`,
    deps.prisma.$queryRaw<{ date: string; labels: number; amount: number }[]>`
      SELECT to_char(day, 'YYYY-MM-DD') AS date, sum(labels)::int AS labels, sum(amount)::int AS amount
      FROM billing_daily_stats WHERE customer_id = ${actor.customerId} AND tier = ${actor.environment} AND day >= (${start}::timestamptz AT TIME ZONE 'UTC')::date AND day < (${end}::timestamptz AT TIME ZONE 'UTC')::date
      GROUP BY day HAVING sum(labels) > 0 ORDER BY day`,
    deps.prisma.customer.findUnique({ where: { id: actor.customerId } }),
  ]);
  if (!customer) throw new NotFoundError("customer");
  return {
    month: chosen,
    currency: deps.config.currency,
    byType,
    byDay,
    totalLabels: byType.reduce((sum, line) => sum + line.labels, 0),
    totalAmount: byType.reduce((sum, line) => sum + line.amount, 0),
    quota: quotaOf(customer, actor.environment),
  };
}

/** What a month's invoice lists: live labels by task type and unit price. */
export function invoiceLines(deps: Pick<Deps, "prisma">, customerId: string, month: string): Promise<UsageLine[]> {
  const { start, end } = monthRange(month);
  return deps.prisma.$queryRaw<UsageLine[]>`
    SELECT type AS "taskType", unit_price AS "unitPrice", sum(labels)::int AS labels, sum(amount)::int AS amount
    FROM billing_daily_stats
    WHERE customer_id = ${customerId} AND tier = 'live' AND day >= (${start}::timestamptz AT TIME ZONE 'UTC')::date AND day < (${end}::timestamptz AT TIME ZONE 'UTC')::date
    GROUP BY type, unit_price HAVING sum(labels) > 0 ORDER BY type, unit_price`;
}
