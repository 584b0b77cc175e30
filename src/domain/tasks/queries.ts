// Reading a customer's tasks and batches. Every read is scoped to the actor's
// customer and environment: another customer's id, or another environment's,
// is a 404, never a 403.
import type { Deps } from "../../deps.js";
import { Prisma, type Batch, type Task } from "../../generated/prisma/client.js";
import { coalescedLookup } from "../../db/database.js";
import { NotFoundError, tenantOf, type CustomerActor } from "../shared/index.js";
import type { StatusCounts, TaskStatus } from "./statuses.js";
import { batchStatusCounts } from "./lifecycle.js";
import type { TaskType } from "./types/index.js";
import { TASK_COLUMNS } from "./rows.js";

/** The hottest read (customers poll their tasks): concurrent polls share a statement. */
const taskOfCustomer = coalescedLookup<Task>(
  "tasks-of-customers",
  `SELECT ${TASK_COLUMNS} FROM tasks WHERE (id, customer_id, environment) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))`,
  (task) => [task.id, task.customerId, task.environment],
);

export async function getTask(deps: Pick<Deps, "prisma">, actor: CustomerActor, taskId: string): Promise<Task> {
  const task = await taskOfCustomer(deps.prisma, [taskId, actor.customerId, actor.environment]);
  if (!task) throw new NotFoundError(`task ${taskId}`);
  return task;
}

export async function getBatch(deps: Pick<Deps, "prisma">, actor: CustomerActor, batchId: string): Promise<Batch> {
  const batch = await deps.prisma.batch.findFirst({ where: { id: batchId, ...tenantOf(actor) } });
  if (!batch) throw new NotFoundError(`batch ${batchId}`);
  return batch;
}

export interface TaskFilter {
  status?: TaskStatus;
  type?: TaskType;
  batchId?: string;
  jobId?: string;
  projectId?: string;
}

/** A customer's tasks, newest first by default; `query` carries the GraphQL selection and cursor. */
export function listTasks(
  deps: Pick<Deps, "prisma">,
  actor: CustomerActor,
  filter: TaskFilter,
  order: "newest_first" | "oldest_first",
  query: { take?: number; skip?: number; cursor?: Prisma.TaskWhereUniqueInput; include?: Prisma.TaskInclude; select?: Prisma.TaskSelect },
) {
  return deps.prisma.task.findMany({
    ...query,
    where: {
      ...tenantOf(actor),
      ...(filter.status ? { status: filter.status } : {}),
      ...(filter.type ? { type: filter.type } : {}),
      ...(filter.batchId ? { batchId: filter.batchId } : {}),
      ...(filter.jobId ? { jobId: filter.jobId } : {}),
      ...(filter.projectId ? { projectId: filter.projectId } : {}),
    },
    orderBy: { id: order === "oldest_first" ? "asc" : "desc" },
  } as Prisma.TaskFindManyArgs);
}

// A batch object read once for many subscribers (live-updates.ts) has its
// counts read once for all of them too.
const countsOfBatchObject = new WeakMap<Batch, Promise<StatusCounts>>();

/** A batch's tasks by status, now; read once per batch object. */
export function countsOfBatch(deps: Pick<Deps, "prisma">, batch: Batch): Promise<StatusCounts> {
  let counts = countsOfBatchObject.get(batch);
  if (!counts) countsOfBatchObject.set(batch, (counts = batchStatusCounts(deps.prisma, batch.id)));
  return counts;
}
