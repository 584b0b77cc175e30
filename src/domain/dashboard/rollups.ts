// The rollups behind the dashboard and billing (task_stats, task_hourly_stats,
// billing_daily_stats) gain a row per writing statement, from database
// triggers (migration "dashboard_rollups"). Folding each key's rows into one
// keeps a customer's rows few; readers sum, so they see the same numbers
// before and after.
import { transaction } from "../../db/transaction.js";
import type { Deps } from "../../deps.js";

/** Folds the rollups' rows; one process at a time (the others skip). Whether this one did. */
export async function compactRollups(deps: Pick<Deps, "prisma">): Promise<boolean> {
  return transaction(deps.prisma, async (tx) => {
    const [{ locked }] = await tx.$queryRaw<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(hashtext('compact_stats')) AS locked`;
    if (!locked) return false;
    await tx.$executeRaw`SELECT 1 FROM compact_stats()`;
    return true;
  });
}
