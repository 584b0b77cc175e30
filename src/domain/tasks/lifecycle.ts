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
import { transaction, type Tx } from "../../db/transaction.js";
import type { Deps } from "../../deps.js";
import type { Prisma, Task } from "../../generated/prisma/client.js";
import { batchView, taskResultView, taskView } from "../representations/index.js";
import { unitPriceOf, type PriceList } from "../billing/index.js";
import { ConflictError, NotFoundError, tenantTopic, type CustomerActor, type Environment } from "../shared/index.js";
import { refundQuota } from "./quota.js";
import { recordEvent, type EventType } from "../webhooks/index.js";
import { isFinal, OPEN_STATUSES, statusCounts, type StatusCounts, type TaskStatus } from "./statuses.js";

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

/** pending → in_progress, when the first annotator claims the task (its row is locked). Whether it changed. */
export async function startTask(tx: Tx, task: Task): Promise<boolean> {
  if (task.status !== "pending") return false;
  await tx.task.update({ where: { id: task.id }, data: { status: "in_progress" } });
  task.status = "in_progress";
  return true;
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
export async function completeTask(tx: Tx, task: Task, outcome: TaskResult, prices: PriceList): Promise<Task> {
  const completed = await endTask(tx, task, "completed", {
    result: outcome.result as Prisma.InputJsonValue,
    confidence: outcome.confidence,
    aggregation: outcome.aggregation as Prisma.InputJsonValue,
    agreeingJudgments: outcome.agreeingJudgments,
    goldCorrectJudgments: outcome.goldCorrectJudgments,
  });
  if (completed.billable) {
    const { tier, unitPrice } = unitPriceOf(prices, completed);
    await tx.billedLabel.createMany({
      data: [{ taskId: completed.id, customerId: completed.customerId, type: completed.type, tier, unitPrice, billedAt: completed.completedAt! }],
      skipDuplicates: true,
    });
  }
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
    return endTask(tx, current, "canceled", {});
  });
  await publishTaskStatus(deps, task);
  return task;
}

const EVENT_OF: Partial<Record<TaskStatus, EventType>> = { completed: "task.completed", failed: "task.failed" };

async function endTask(tx: Tx, task: Task, status: "completed" | "failed" | "canceled", fields: Prisma.TaskUpdateInput): Promise<Task> {
  const ended = await tx.task.update({ where: { id: task.id }, data: { ...fields, status, completedAt: new Date() } });
  // Only a completed task is billed: its label was charged at submission.
  if (status !== "completed" && ended.billable) await refundQuota(tx, ended.customerId, ended.environment as Environment, 1);
  await tx.assignment.updateMany({ where: { taskId: ended.id, status: "active" }, data: { status: "released" } });
  const event = EVENT_OF[status];
  if (event) {
    const payload = status === "completed" ? taskResultView(ended).body : taskView(ended);
    await recordEvent(tx, ended, event, payload, { callbackUrl: ended.callbackUrl });
  }
  if (ended.batchId) await completeBatchIfDone(tx, ended.batchId);
  // A job completes by the jobs worker's sweep, not here: locking the job row
  // at each of its 10,000 tasks' ends serialized (and deadlocked) the crowd.
  return ended;
}

async function completeBatchIfDone(tx: Tx, batchId: string) {
  // The batch row lock serializes the last tasks finishing at once: without it
  // each counted the other as still open and nobody completed the batch.
  // (Locked last, after the task, customer and annotators: the global lock order.)
  await tx.$queryRaw`SELECT id FROM batches WHERE id = ${batchId} FOR UPDATE`;
  if (await hasOpenTask(tx, { batchId })) return;
  const batch = await tx.batch.update({ where: { id: batchId }, data: { status: "completed", completedAt: new Date() } });
  await recordEvent(tx, batch, "batch.completed", batchView(batch, await batchStatusCounts(tx, batchId)));
}

/** One index probe (batch or job, status): cheap at every task's end, however large the group. */
export async function hasOpenTask(tx: Pick<Tx, "task">, group: { batchId: string } | { jobId: string }): Promise<boolean> {
  const open = await tx.task.findFirst({ where: { ...group, status: { in: [...OPEN_STATUSES] } }, select: { id: true } });
  return open !== null;
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

export async function batchStatusCounts(prisma: Pick<Tx, "task">, batchId: string): Promise<StatusCounts> {
  const groups = await prisma.task.groupBy({ by: ["status"], where: { batchId }, _count: { _all: true } });
  return statusCounts(groups.map((group) => ({ status: group.status, count: group._count._all })));
}
