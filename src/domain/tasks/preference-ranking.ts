// A ranking of the responses compared by a batch's (or a job's)
// pairwise_preference tasks: each completed task's aggregated choice is one
// game between its two responses, and Bradley–Terry turns the games into
// scores (a response is known by its id, or by its text when it has none).
import type { Deps } from "../../deps.js";
import { Prisma } from "../../generated/prisma/client.js";
import type { CustomerActor } from "../shared/index.js";
import { getBatch } from "./queries.js";
import { bradleyTerry, type Choice, type RankedItem } from "./types/index.js";

export interface PreferenceRanking {
  /** Completed pairwise_preference tasks counted (each one game). */
  comparisons: number;
  items: RankedItem[];
}

/** The ranking over the completed pairwise_preference tasks of `scope`: a batch or a job of the tenant. */
export async function rankPreferences(
  deps: Pick<Deps, "prisma">,
  { customerId, environment }: { customerId: string; environment: string },
  scope: { batchId: string } | { jobId: string },
): Promise<PreferenceRanking> {
  const inScope = "batchId" in scope ? Prisma.sql`batch_id = ${scope.batchId}` : Prisma.sql`job_id = ${scope.jobId}`;
  // Only the responses' keys and the choice are read (not their texts), one row per distinct outcome.
  const games = await deps.prisma.$queryRaw<{ a: string; b: string; choice: Choice; count: number }[]>`
    SELECT coalesce(pair #>> '{responses,0,id}', pair #>> '{responses,0,text}') AS a,
           coalesce(pair #>> '{responses,1,id}', pair #>> '{responses,1,text}') AS b,
           choice, count(*)::int AS count
    FROM (SELECT data::jsonb AS pair, result ->> 'choice' AS choice FROM tasks
          WHERE customer_id = ${customerId} AND environment = ${environment} AND ${inScope}
            AND type = 'pairwise_preference' AND status = 'completed') AS completed
    GROUP BY 1, 2, 3`;
  return { comparisons: games.reduce((sum, game) => sum + game.count, 0), items: bradleyTerry(games) };
}

export async function rankBatchPreferences(deps: Pick<Deps, "prisma">, actor: CustomerActor, batchId: string): Promise<PreferenceRanking> {
  const batch = await getBatch(deps, actor, batchId);
  return rankPreferences(deps, batch, { batchId: batch.id });
}
