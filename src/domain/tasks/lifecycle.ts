// Every status transition of a task, and what comes with it:
//
//   pending ──claim──▶ in_progress ──aggregate──▶ completed
//      │                    │
//      └──────cancel────────┴──────▶ canceled   (quota refunded)
//                           └─problems─▶ failed (quota refunded)
//
// Ending a task (completed, failed, canceled) releases its open assignments,
// writes its outbox event, and completes its batch when it was the last open
// task. Status events are published after the transaction commits.
import { transaction, type SqlTx, type Tx } from "../../db/transaction.js";
import type { Deps } from "../../deps.js";
import { Prisma, type Batch, type Task } from "../../generated/prisma/client.js";
import { batchView, taskResultView, taskView } from "../representations/index.js";
import { unitPriceOf, type PriceList } from "../billing/index.js";
import { ConflictError, NotFoundError, tenantTopic, type CustomerActor, type Environment } from "../shared/index.js";
import { refundQuota } from "./quota.js";
import { recordEvent, recordEvents, type EventType } from "../webhooks/index.js";
import { isFinal, OPEN_STATUSES, statusCounts, type StatusCounts, type TaskStatus } from "./statuses.js";
import { taskColumnsOf } from "./rows.js";
import { auditCustomerChange } from "../audit/index.js";

/** Tells subscribers (GraphQL, all processes) that a task's status changed; call after commit. */
export async function publishTaskStatus(deps: Pick<Deps, "pubsub">, task: Pick<Task, "id" | "customerId" | "environment" | "batchId" | "jobId" | "status">) {
  deps.pubsub.publish("customer:tasks", tenantTopic(task), {
    taskId: task.id,
    customerId: task.customerId,
    environment: task.environment,
    batchId: task.batchId,
    jobId: task.jobId,
    status: task.status,
  });
}

export interface TaskResult {
  result: unknown;
  confidence: number;
  /** How the result was reached: method, votes, voters' reliability. */
  aggregation: unknown;
  /** Judgments giving the result's answer; and, on a gold task, the gold answer (dashboard quality). */
  agreeingJudgments: number;
  goldCorrectJudgments: number | null;
}

/**
 * in_progress → completed with its aggregated result (task row locked). A
 * billable task is metered here, once, in the same transaction: the task id
 * is the meter's key, so no retry or re-aggregation can count it twice.
 */
export async function completeTask(tx: SqlTx, task: Task, outcome: TaskResult, prices: PriceList): Promise<Task> {
  const [completed] = await completeTasks(tx, [{ task, outcome }], prices);
  return completed;
}

/** A task to complete and how: its result, and (when set) the judgments and target it ends with. */
export interface Completion {
  task: Task;
  outcome: TaskResult;
  judgmentCount?: number;
  targetJudgments?: number;
}

/**
 * completeTask for any number of tasks (rows locked) in a handful of
 * statements whatever their number: one UPDATE, the meter, the events and
 * their deliveries, then each batch that this ended. Returns the tasks as completed, in order.
 */
export async function completeTasks(tx: SqlTx, completions: Completion[], prices: PriceList): Promise<Task[]> {
  if (completions.length === 0) return [];
  const column = <T>(value: (completion: Completion) => T) => completions.map(value);
  const updated = await tx.$queryRaw<Task[]>`
    UPDATE tasks t SET status = 'completed', completed_at = now(), updated_at = now(),
      result = c.result, confidence = c.confidence, aggregation = c.aggregation,
      agreeing_judgments = c.agreeing, gold_correct_judgments = c.gold_correct,
      judgment_count = coalesce(c.judgment_count, t.judgment_count), target_judgments = coalesce(c.target_judgments, t.target_judgments)
    FROM unnest(
      ${column((c) => c.task.id)}::text[], ${column((c) => JSON.stringify(c.outcome.result))}::jsonb[], ${column((c) => c.outcome.confidence)}::float8[],
      ${column((c) => JSON.stringify(c.outcome.aggregation))}::jsonb[], ${column((c) => c.outcome.agreeingJudgments)}::int[],
      ${column((c) => c.outcome.goldCorrectJudgments)}::int[], ${column((c) => c.judgmentCount ?? null)}::int[], ${column((c) => c.targetJudgments ?? null)}::int[]
    ) AS c(id, result, confidence, aggregation, agreeing, gold_correct, judgment_count, target_judgments)
    WHERE t.id = c.id
    RETURNING ${Prisma.raw(taskColumnsOf("t"))}`;
  const byId = new Map(updated.map((task) => [task.id, task]));
  const completed = completions.map((c) => byId.get(c.task.id)!);
  const billed = completed.filter((task) => task.billable);
  if (billed.length) {
    const meter = billed.map((task) => ({ task, ...unitPriceOf(prices, task) }));
    // The task id is the meter's key: a label is never billed twice.
    await tx.$executeRaw`
      INSERT INTO billed_labels (task_id, customer_id, type, tier, unit_price, billed_at)
      SELECT * FROM unnest(${meter.map((m) => m.task.id)}::text[], ${meter.map((m) => m.task.customerId)}::text[], ${meter.map((m) => m.task.type)}::text[],
        ${meter.map((m) => m.tier)}::text[], ${meter.map((m) => m.unitPrice)}::int[], ${meter.map((m) => m.task.completedAt!)}::timestamptz[])
      ON CONFLICT (task_id) DO NOTHING`;
  }
  await afterEnding(tx, completed);
  return completed;
}

/** → failed: the item cannot be labeled. Not billed (task row locked). */
export function failTask(tx: Tx, task: Task, reason: string): Promise<Task> {
  return endTask(tx, task, "failed", { failureReason: reason.slice(0, 2000) });
}

/** → canceled, by the customer, before the task ended; its label goes back to the quota. */
export async function cancelTask(deps: Pick<Deps, "prisma" | "pubsub">, actor: CustomerActor, taskId: string): Promise<Task> {
  const task = await transaction(deps.prisma, async (tx) => {
    const [locked] = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM tasks WHERE id = ${taskId} AND customer_id = ${actor.customerId} AND environment = ${actor.environment} FOR UPDATE`;
    if (!locked) throw new NotFoundError(`task ${taskId}`);
    const current = await tx.task.findUniqueOrThrow({ where: { id: taskId } });
    if (isFinal(current.status)) throw new ConflictError("task_not_cancelable", `task ${taskId} is already ${current.status}`);
    await auditCustomerChange(tx, actor, { action: "task.canceled", targetId: taskId });
    return endTask(tx, current, "canceled", {});
  });
  await publishTaskStatus(deps, task);
  return task;
}

const EVENT_OF: Partial<Record<TaskStatus, EventType>> = { completed: "task.completed", failed: "task.failed" };

async function endTask(tx: Tx, task: Task, status: "failed" | "canceled", fields: Prisma.TaskUpdateInput): Promise<Task> {
  const ended = await tx.task.update({ where: { id: task.id }, data: { ...fields, status, completedAt: new Date() } });
  // Only a completed task is billed: its label was charged at submission.
  if (ended.billable) await refundQuota(tx, ended.customerId, ended.environment as Environment, 1);
  await afterEnding(tx, [ended]);
  return ended;
}

/**
 * What follows the end of tasks: their open assignments are released, their
 * events written (with deliveries), and each batch they were the last open
 * task of completes. A job completes by the jobs worker's sweep, not here:
 * locking the job row at each of its 10,000 tasks' ends serialized (and
 * deadlocked) the crowd.
 */
async function afterEnding(tx: SqlTx, ended: Task[]) {
  await tx.$executeRaw`UPDATE assignments SET status = 'released' WHERE task_id = ANY(${ended.map((task) => task.id)}::text[]) AND status = 'active'`;
  const events = ended.flatMap((task) => {
    const type = EVENT_OF[task.status as TaskStatus];
    if (!type) return [];
    const data = task.status === "completed" ? taskResultView(task).body : taskView(task);
    return [{ owner: task, type, data, callbackUrl: task.callbackUrl }];
  });
  await recordEvents(tx, events);
  // Batches locked in id order: rounds ending tasks of the same batches cannot deadlock.
  const batchIds = [...new Set(ended.map((task) => task.batchId).filter((id): id is string => id !== null))].sort();
  for (const batchId of batchIds) await completeBatchIfDone(tx, batchId);
}

async function completeBatchIfDone(tx: SqlTx, batchId: string) {
  // The batch row lock serializes the last tasks finishing at once: without it
  // each counted the other as still open and nobody completed the batch.
  // (Locked last, after the task, customer and annotators: the global lock order.)
  // NO KEY UPDATE, which is all the status update below needs: a transaction
  // that updated its task row twice re-checks the row's foreign keys and so
  // holds a key-share lock on the batch, and FOR UPDATE would wait on the
  // others' (50 annotators finishing tasks of one batch deadlocked every second).
  await tx.$queryRaw`SELECT id FROM batches WHERE id = ${batchId} FOR NO KEY UPDATE`;
  if (await hasOpenTask(tx, { batchId })) return;
  const [batch] = await tx.$queryRaw<Batch[]>`
    UPDATE batches SET status = 'completed', completed_at = now() WHERE id = ${batchId}
    RETURNING id, customer_id AS "customerId", environment, task_count AS "taskCount", status, created_at AS "createdAt", completed_at AS "completedAt"`;
  await recordEvent(tx, batch, "batch.completed", batchView(batch, await batchStatusCounts(tx, batchId)));
}

/** One index probe (batch or job, status): cheap at every task's end, however large the group. */
export async function hasOpenTask(tx: SqlTx, group: { batchId: string } | { jobId: string }): Promise<boolean> {
  const open =
    "batchId" in group
      ? await tx.$queryRaw<unknown[]>`SELECT 1 FROM tasks WHERE batch_id = ${group.batchId} AND status = ANY(${[...OPEN_STATUSES]}::text[]) LIMIT 1`
      : await tx.$queryRaw<unknown[]>`SELECT 1 FROM tasks WHERE job_id = ${group.jobId} AND status = ANY(${[...OPEN_STATUSES]}::text[]) LIMIT 1`;
  return open.length > 0;
}

/**
 * Cancels a job's open tasks at once (the job failed or was canceled): their
 * labels go back to the quota and their assignments are released. Returns how
 * many labels were refunded. No per-task events: the job's own event says it.
 */
export async function cancelJobTasks(tx: Tx, jobId: string, customerId: string, environment: Environment): Promise<number> {
  const canceled = await tx.$queryRaw<{ id: string; billable: boolean }[]>`
    UPDATE tasks SET status = 'canceled', completed_at = now(), updated_at = now()
    WHERE job_id = ${jobId} AND status IN ('pending', 'in_progress') RETURNING id, billable`;
  if (canceled.length === 0) return 0;
  await tx.assignment.updateMany({ where: { taskId: { in: canceled.map((t) => t.id) }, status: "active" }, data: { status: "released" } });
  const refund = canceled.filter((t) => t.billable).length;
  await refundQuota(tx, customerId, environment, refund);
  return refund;
}

export async function jobTaskCounts(prisma: Pick<Tx, "task">, jobId: string): Promise<StatusCounts> {
  const groups = await prisma.task.groupBy({ by: ["status"], where: { jobId }, _count: { _all: true } });
  return statusCounts(groups.map((group) => ({ status: group.status, count: group._count._all })));
}

export async function batchStatusCounts(prisma: SqlTx, batchId: string): Promise<StatusCounts> {
  return statusCounts(await prisma.$queryRaw<{ status: string; count: number }[]>`SELECT status, count(*)::int AS count FROM tasks WHERE batch_id = ${batchId} GROUP BY status`);
}
