// Batches: a group of tasks submitted together, with progress counts.
import type { Deps } from "../deps.js";
import type { Batch } from "../generated/prisma/client.js";
import type { CustomerActor } from "./actors.js";
import { NotFoundError } from "./errors.js";

export async function getBatch(deps: Pick<Deps, "prisma">, actor: CustomerActor, batchId: string): Promise<Batch> {
  const batch = await deps.prisma.batch.findFirst({ where: { id: batchId, customerId: actor.customerId } });
  if (!batch) throw new NotFoundError(`batch ${batchId}`);
  return batch;
}

export type StatusCounts = Record<"pending" | "in_progress" | "completed" | "failed" | "canceled", number>;

export async function batchStatusCounts(deps: Pick<Deps, "prisma">, batchId: string): Promise<StatusCounts> {
  const groups = await deps.prisma.task.groupBy({ by: ["status"], where: { batchId }, _count: { _all: true } });
  const counts: StatusCounts = { pending: 0, in_progress: 0, completed: 0, failed: 0, canceled: 0 };
  for (const group of groups) counts[group.status as keyof StatusCounts] = group._count._all;
  return counts;
}

export function batchView(batch: Batch, counts: StatusCounts) {
  return {
    batch_id: batch.id,
    status: batch.status,
    task_count: batch.taskCount,
    counts,
    created_at: batch.createdAt.toISOString(),
    completed_at: batch.completedAt?.toISOString() ?? null,
  };
}
