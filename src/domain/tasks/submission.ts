// Submitting tasks, one or a batch: validated against their types, the
// callback_url checked against SSRF, deduplicated by externalId, and inserted
// with the quota charged in one transaction.
import { z } from "zod";
import { transaction } from "../../db/transaction.js";
import type { Deps } from "../../deps.js";
import { Prisma, type Task } from "../../generated/prisma/client.js";
import { AppError, ConflictError, newId, problemsOf, tenantOf, ValidationError, type CustomerActor, type FieldProblem } from "../shared/index.js";
import { assertSafeTarget } from "../webhooks/index.js";
import { checkTask, problemAt, taskInputSchema, type NewTask } from "./input.js";
import { publishTaskStatus } from "./lifecycle.js";
import { chargeQuota } from "./quota.js";
import { submitInGroup } from "./group-commit.js";
import { insertTaskRows, taskRow } from "./rows.js";
import { withProjectDefaults } from "./project-defaults.js";

const MAX_BATCH_SIZE = 10_000;
/** Batch items validated between two yields to the event loop. */
const VALIDATION_SLICE = 250;

/** POST /v1/tasks, submitTask. A repeated externalId returns the existing task. */
export async function submitTask(deps: Deps, actor: CustomerActor, input: unknown): Promise<Task> {
  const withProject = await withProjectDefaults(deps, actor, [input], () => []);
  if (withProject.problems.length) throw ValidationError.of(withProject.problems);
  const { task, problems } = checkTask(withProject.items[0], actor.environment, []);
  if (!task) throw ValidationError.of(problems);
  await assertSafeCallbackUrls(deps, [task], () => "callbackUrl");
  if (task.externalId !== null) {
    // A repeated externalId answers the existing task: that lookup goes alone.
    const { created, existing } = await insertTasks(deps, actor, [task], null);
    if (created) await publishTaskStatus(deps, created);
    return created ?? existing[0];
  }
  // Without an externalId a task is always created: alone, or in a group with the customer's concurrent submissions.
  const created = await submitInGroup(deps, actor, task, async (one) => (await insertTasks(deps, actor, [one], null)).created!);
  await publishTaskStatus(deps, created);
  return created;
}

export interface BatchSubmission {
  batchId: string;
  taskCount: number;
  /** Items whose externalId already existed: not created again. */
  duplicateCount: number;
  status: "accepted";
  /** The task of each item, in input order. */
  taskIds: string[];
}

/** POST /v1/tasks/batch, submitBatch. All-or-nothing: one bad item rejects the batch. */
export async function submitBatch(deps: Deps, actor: CustomerActor, input: unknown): Promise<BatchSubmission> {
  const body = z.object({ tasks: z.array(z.unknown()), projectId: taskInputSchema.shape.projectId }).strict().safeParse(input);
  if (!body.success) throw ValidationError.of(problemsOf(body.error));
  const withProject = await withProjectDefaults(deps, actor, body.data.tasks, (index) => ["tasks", index], body.data.projectId);
  if (withProject.problems.length) throw ValidationError.of(withProject.problems);
  const items = withProject.items;
  if (items.length === 0) throw ValidationError.of([{ path: "tasks", message: "needs at least one task" }]);
  if (items.length > MAX_BATCH_SIZE) {
    throw new AppError("batch_too_large", `a batch holds at most ${MAX_BATCH_SIZE} tasks; this one has ${items.length}`, {
      max_batch_size: MAX_BATCH_SIZE,
    });
  }
  const tasks: NewTask[] = [];
  const problems: FieldProblem[] = [];
  const seenExternalIds = new Map<string, number>();
  for (const [index, item] of items.entries()) {
    // Validating 10,000 tasks takes a while: let other requests run in between.
    if (index > 0 && index % VALIDATION_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
    const checked = checkTask(item, actor.environment, ["tasks", index]);
    problems.push(...checked.problems);
    if (!checked.task) continue;
    const externalId = checked.task.externalId;
    if (externalId !== null) {
      const first = seenExternalIds.get(externalId);
      if (first !== undefined) problems.push(problemAt(["tasks", index, "externalId"], `repeats tasks[${first}].externalId`));
      else seenExternalIds.set(externalId, index);
    }
    tasks.push(checked.task);
  }
  if (problems.length) {
    const invalid = new Set(problems.map((p) => p.path.match(/^tasks\[(\d+)\]/)?.[1])).size;
    throw new ValidationError(`${invalid} of ${items.length} tasks are invalid; nothing was created`, problems);
  }
  await assertSafeCallbackUrls(deps, tasks, (index) => `tasks[${index}].callbackUrl`);
  const batchId = newId("bat");
  const { createdCount, existing, taskIds } = await insertTasks(deps, actor, tasks, batchId);
  return { batchId, taskCount: createdCount, duplicateCount: existing.length, status: "accepted", taskIds };
}

/**
 * A task's callback_url gets its events like a webhook does, so it is refused
 * up front when it resolves to a private address (each distinct host once).
 */
async function assertSafeCallbackUrls(deps: Pick<Deps, "config">, tasks: NewTask[], pathOf: (index: number) => string) {
  const firstUse = new Map<string, { url: URL; index: number }>();
  tasks.forEach((task, index) => {
    if (task.callbackUrl === null) return;
    const url = new URL(task.callbackUrl);
    if (!firstUse.has(url.hostname)) firstUse.set(url.hostname, { url, index });
  });
  for (const { url, index } of firstUse.values()) await assertSafeTarget(url, deps.config.allowPrivateWebhookTargets, pathOf(index));
}

/**
 * Inserts tasks and charges the quota in one transaction. The conditional
 * UPDATE is the quota check: concurrent submissions cannot oversell.
 */
async function insertTasks(deps: Deps, actor: CustomerActor, tasks: NewTask[], batchId: string | null) {
  const externalIds = tasks.map((t) => t.externalId).filter((id): id is string => id !== null);
  try {
    return await transaction(deps.prisma, async (tx) => {
      const existing = externalIds.length
        ? await tx.task.findMany({ where: { ...tenantOf(actor), externalId: { in: externalIds } } })
        : [];
      const existingIds = new Map(existing.map((t) => [t.externalId, t.id]));
      const fresh = tasks.filter((t) => t.externalId === null || !existingIds.has(t.externalId));
      if (batchId !== null) {
        await tx.batch.create({
          data: { id: batchId, ...tenantOf(actor), taskCount: fresh.length, status: fresh.length ? "pending" : "completed" },
        });
      }
      const rows = fresh.map((t) => taskRow(actor, t, { batchId }));
      await insertTaskRows(tx, rows);
      // Charged last: the customer's row stays locked only from here to the
      // commit, so one customer's concurrent batches insert side by side. Over
      // the quota, the whole transaction rolls back.
      const billable = fresh.filter((t) => t.goldAnswer === null).length;
      if (billable > 0) await chargeQuota(tx, actor.customerId, actor.environment, billable);
      // Input order: a repeated externalId stands for the task that has it.
      const freshIds = rows.map((row) => row.id);
      const taskIds = tasks.map((t) => (t.externalId !== null && existingIds.get(t.externalId)) || freshIds.shift()!);
      const created = rows.length === 1 && batchId === null ? await tx.task.findUniqueOrThrow({ where: { id: rows[0].id } }) : undefined;
      return { created, createdCount: rows.length, existing, taskIds };
    });
  } catch (error) {
    // Two requests racing with the same new externalId: the loser learns which task won.
    if (isUniqueViolation(error)) {
      throw new ConflictError("external_id_conflict", "a task with this externalId was created concurrently; retry to get it");
    }
    throw error;
  }
}

function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  const cause = (error.meta as { driverAdapterError?: { cause?: { originalCode?: string } } } | undefined)?.driverAdapterError?.cause;
  return error.code === "P2002" || cause?.originalCode === "23505";
}
