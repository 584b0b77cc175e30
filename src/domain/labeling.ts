// The labeling engine: annotators claim tasks under a lease, submit judgments,
// and a task that has its judgments is aggregated and completed in the same
// transaction (result, annotator reliability, outbox events, batch progress).
import { transaction, type Tx } from "../db/transaction.js";
import { z } from "zod";
import type { Deps } from "../deps.js";
import { Prisma, type Annotator, type Assignment, type Judgment, type Task } from "../generated/prisma/client.js";
import type { AnnotatorActor } from "./actors.js";
import {
  aggregateBoxes,
  aggregateEntities,
  aggregateMultiLabel,
  argmax,
  dawidSkene,
  iou,
  IOU_THRESHOLD,
  weightedVote,
  type Aggregate,
  type CategoricalVote,
} from "./aggregation.js";
import { reliabilityOf } from "./annotators.js";
import { ConflictError, NotFoundError, ValidationError } from "./errors.js";
import { recordEvent } from "./events.js";
import { newId } from "./ids.js";
import { TASK_TYPE_DEFINITIONS, type Answer, type Box, type Entity, type TaskType } from "./task-types.js";
import { isFinal as isFinalStatus, publishTaskStatus, taskResultView, taskView } from "./tasks.js";
import { problemsOf } from "./validation.js";

export const LEASE_MS = 10 * 60 * 1000;
/** Extra judgments a task may get when its confidence is below min_confidence. */
export const MAX_EXTRA_JUDGMENTS = 4;
export const MAX_JUDGMENTS = 10;
/** How many recent tasks with the same label space feed a Dawid–Skene fit. */
const DAWID_SKENE_CONTEXT = 300;

export type AssignmentWithTask = Assignment & { task: Task };

/** nextAssignment: the highest-priority, oldest task this annotator may still judge, or null. */
export async function claimNextAssignment(
  deps: Pick<Deps, "prisma" | "pubsub">,
  actor: AnnotatorActor,
  types?: TaskType[],
): Promise<AssignmentWithTask | null> {
  let started = false;
  const assignment = await transaction(deps.prisma, async (tx) => {
    started = false;
    const taskId = await lockClaimableTask(tx, actor, types);
    if (taskId === null) return null;
    const assignment = await tx.assignment.create({
      data: {
        id: newId("asg"),
        taskId,
        annotatorId: actor.annotatorId,
        status: "active",
        leasedUntil: new Date(Date.now() + LEASE_MS),
      },
      include: { task: true },
    });
    if (assignment.task.status === "pending") {
      await tx.task.update({ where: { id: taskId }, data: { status: "in_progress" } });
      assignment.task.status = "in_progress";
      started = true;
    }
    return assignment;
  });
  if (assignment && started) await publishTaskStatus(deps, assignment.task);
  return assignment;
}

/** Open slots of a task: wanted judgments less those given and those leased now. */
const openSlots = (alias: string) => Prisma.sql`${Prisma.raw(alias)}.target_judgments - ${Prisma.raw(alias)}.judgment_count - (
  SELECT count(*) FROM assignments a
  WHERE a.task_id = ${Prisma.raw(alias)}.id AND a.status = 'active' AND a.leased_until > now())`;

/**
 * Locks the next task with an open slot for this annotator. SKIP LOCKED: concurrent
 * annotators never wait on, or double-claim, the same task row. The slot count
 * is checked again once the row is locked, in a statement of its own: the
 * search ran on a snapshot that may predate a claim committed just before our lock.
 */
async function lockClaimableTask(tx: Tx, actor: AnnotatorActor, types?: TaskType[]): Promise<string | null> {
  const typeFilter = types?.length ? Prisma.sql`AND t.type IN (${Prisma.join(types)})` : Prisma.empty;
  const passedOver: string[] = [];
  for (let attempt = 0; attempt < 5; attempt++) {
    const skip = passedOver.length ? Prisma.sql`AND t.id NOT IN (${Prisma.join(passedOver)})` : Prisma.empty;
    const rows = await tx.$queryRaw<{ id: string }[]>`
      SELECT t.id FROM tasks t
      WHERE t.workforce = ${actor.workforce}
        AND t.status IN ('pending', 'in_progress')
        ${typeFilter} ${skip}
        AND ${openSlots("t")} > 0
        AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.task_id = t.id AND a.annotator_id = ${actor.annotatorId})
      ORDER BY t.priority DESC, t.id ASC
      LIMIT 1
      FOR UPDATE OF t SKIP LOCKED`;
    if (rows.length === 0) return null;
    const [fresh] = await tx.$queryRaw<{ open: number }[]>`
      SELECT (${openSlots("t")})::int AS open FROM tasks t WHERE t.id = ${rows[0].id} AND t.status IN ('pending', 'in_progress')`;
    if (fresh && fresh.open > 0) return rows[0].id;
    passedOver.push(rows[0].id);
  }
  return null;
}

async function activeAssignment(tx: Tx, actor: AnnotatorActor, assignmentId: string): Promise<Assignment> {
  const assignment = await tx.assignment.findFirst({ where: { id: assignmentId, annotatorId: actor.annotatorId } });
  if (!assignment) throw new NotFoundError(`assignment ${assignmentId}`);
  if (assignment.status !== "active") {
    throw new ConflictError("assignment_closed", `assignment ${assignmentId} is already ${assignment.status}`);
  }
  if (assignment.leasedUntil.getTime() <= Date.now()) {
    await tx.assignment.update({ where: { id: assignmentId }, data: { status: "expired" } });
    throw new ConflictError("lease_expired", `the lease on assignment ${assignmentId} expired; the task went back to the queue`);
  }
  return assignment;
}

/** releaseAssignment: hands the task back to the queue. */
export async function releaseAssignment(deps: Pick<Deps, "prisma">, actor: AnnotatorActor, assignmentId: string): Promise<Assignment> {
  return transaction(deps.prisma, async (tx) => {
    await activeAssignment(tx, actor, assignmentId);
    return tx.assignment.update({ where: { id: assignmentId }, data: { status: "released" } });
  });
}

export interface JudgmentOutcome {
  judgment: Judgment;
  task: Task;
}

/** submitJudgment: validates the answer against the task's label_spec; may complete the task. */
export async function submitJudgment(
  deps: Pick<Deps, "prisma" | "pubsub">,
  actor: AnnotatorActor,
  assignmentId: string,
  answer: unknown,
): Promise<JudgmentOutcome> {
  const outcome = await transaction(deps.prisma, async (tx) => {
    const assignment = await activeAssignment(tx, actor, assignmentId);
    // The task row lock serializes the judgments that may complete it.
    await tx.$queryRaw`SELECT id FROM tasks WHERE id = ${assignment.taskId} FOR UPDATE`;
    const task = await tx.task.findUniqueOrThrow({ where: { id: assignment.taskId } });
    const definition = TASK_TYPE_DEFINITIONS[task.type as TaskType];
    const parsed = definition.answer(task.labelSpec, task.data).safeParse(answer);
    if (!parsed.success) {
      const problems = problemsOf(parsed.error, ["answer"]);
      throw new ValidationError(`${problems[0].path}: ${problems[0].message}`, problems);
    }
    if (task.status !== "in_progress" && task.status !== "pending") {
      await tx.assignment.update({ where: { id: assignmentId }, data: { status: "released" } });
      throw new ConflictError("task_closed", `task ${task.id} is already ${task.status}`);
    }
    const judgment = await tx.judgment.create({
      data: {
        id: newId("jdg"),
        taskId: task.id,
        annotatorId: actor.annotatorId,
        assignmentId,
        answer: parsed.data as Prisma.InputJsonValue,
      },
    });
    await tx.assignment.update({ where: { id: assignmentId }, data: { status: "submitted", submittedAt: new Date() } });
    const counted = await tx.task.update({
      where: { id: task.id },
      data: { judgmentCount: { increment: 1 }, status: "in_progress" },
    });
    const after = counted.judgmentCount >= counted.targetJudgments ? await aggregateAndMaybeComplete(tx, counted) : counted;
    return { judgment, task: after };
  });
  if (outcome.task.status === "completed") await publishTaskStatus(deps, outcome.task);
  return outcome;
}

const problemSchema = z.string().trim().min(1, "must not be empty").max(500, "must be at most 500 characters");

/**
 * reportProblem: the annotator cannot label the item (broken image, wrong
 * language…). When half the wanted judgments are such reports, the task
 * fails (not billed, task.failed event); otherwise another annotator gets it.
 */
export async function reportProblem(
  deps: Pick<Deps, "prisma" | "pubsub">,
  actor: AnnotatorActor,
  assignmentId: string,
  reason: unknown,
): Promise<Task> {
  const parsedReason = problemSchema.safeParse(reason);
  if (!parsedReason.success) {
    const problems = problemsOf(parsedReason.error, ["reason"]);
    throw new ValidationError(`${problems[0].path}: ${problems[0].message}`, problems);
  }
  const task = await transaction(deps.prisma, async (tx) => {
    const assignment = await activeAssignment(tx, actor, assignmentId);
    await tx.$queryRaw`SELECT id FROM tasks WHERE id = ${assignment.taskId} FOR UPDATE`;
    await tx.assignment.update({
      where: { id: assignmentId },
      data: { status: "problem", problem: parsedReason.data, submittedAt: new Date() },
    });
    const current = await tx.task.findUniqueOrThrow({ where: { id: assignment.taskId } });
    const reports = await tx.assignment.findMany({ where: { taskId: current.id, status: "problem" }, select: { problem: true } });
    if (isFinalStatus(current.status) || reports.length < Math.ceil(current.replication / 2)) return current;
    return failTask(tx, current, `annotators could not label this item: ${[...new Set(reports.map((r) => r.problem))].join("; ")}`);
  });
  if (task.status === "failed") await publishTaskStatus(deps, task);
  return task;
}

async function failTask(tx: Tx, task: Task, reason: string): Promise<Task> {
  const failed = await tx.task.update({
    where: { id: task.id },
    data: { status: "failed", failureReason: reason.slice(0, 2000), completedAt: new Date() },
  });
  // A failed task is not billed.
  if (failed.billable) await tx.customer.update({ where: { id: failed.customerId }, data: { labelsUsed: { decrement: 1 } } });
  await tx.assignment.updateMany({ where: { taskId: task.id, status: "active" }, data: { status: "released" } });
  await recordEvent(tx, failed.customerId, "task.failed", taskView(failed), { callbackUrl: failed.callbackUrl });
  if (failed.batchId) await completeBatchIfDone(tx, failed.batchId);
  return failed;
}

/** Aggregates the task's judgments; completes it unless min_confidence asks for another judgment. */
async function aggregateAndMaybeComplete(tx: Tx, task: Task): Promise<Task> {
  const judgments = await tx.judgment.findMany({ where: { taskId: task.id }, include: { annotator: true }, orderBy: { id: "asc" } });
  const aggregate = await aggregateTask(tx, task, judgments);
  const maxJudgments = Math.min(MAX_JUDGMENTS, task.replication + MAX_EXTRA_JUDGMENTS);
  if (task.minConfidence !== null && aggregate.confidence < task.minConfidence && task.targetJudgments < maxJudgments) {
    return tx.task.update({ where: { id: task.id }, data: { targetJudgments: { increment: 1 } } });
  }

  // Reliability: gold accuracy for gold tasks, agreement with the consensus for all.
  // Annotator rows are locked in id order: two tasks completing at once with
  // overlapping voters would otherwise deadlock (judgment order differs per task).
  const gold = task.goldAnswer as Answer | null;
  const byAnnotator = [...judgments].sort((a, b) => (a.annotatorId < b.annotatorId ? -1 : a.annotatorId > b.annotatorId ? 1 : 0));
  for (const judgment of byAnnotator) {
    const answer = judgment.answer as Answer;
    await tx.annotator.update({
      where: { id: judgment.annotatorId },
      data: {
        judgmentCount: { increment: 1 },
        agreedCount: { increment: sameAnswer(task.type as TaskType, answer, aggregate.answer) ? 1 : 0 },
        ...(gold ? { goldTotal: { increment: 1 }, goldCorrect: { increment: sameAnswer(task.type as TaskType, answer, gold) ? 1 : 0 } } : {}),
      },
    });
  }

  const completed = await tx.task.update({
    where: { id: task.id },
    data: {
      status: "completed",
      result: aggregate.answer as Prisma.InputJsonValue,
      confidence: aggregate.confidence,
      aggregation: {
        method: aggregate.method,
        votes: judgments.map((j) => ({
          annotator_id: j.annotatorId,
          answer: j.answer,
          reliability: roundTo(reliabilityOf(j.annotator).quality, 4),
        })),
      },
      completedAt: new Date(),
    },
  });
  await tx.assignment.updateMany({ where: { taskId: task.id, status: "active" }, data: { status: "released" } });
  await recordEvent(tx, completed.customerId, "task.completed", taskResultView(completed).body, { callbackUrl: completed.callbackUrl });
  if (completed.batchId) await completeBatchIfDone(tx, completed.batchId);
  return completed;
}

async function completeBatchIfDone(tx: Tx, batchId: string) {
  // The batch row lock serializes the last tasks finishing at once: without it
  // each counted the other as still open and nobody completed the batch.
  // (Locked last, after the task and annotators: the global lock order.)
  await tx.$queryRaw`SELECT id FROM batches WHERE id = ${batchId} FOR UPDATE`;
  const open = await tx.task.count({ where: { batchId, status: { in: ["pending", "in_progress"] } } });
  if (open > 0) return;
  const batch = await tx.batch.update({ where: { id: batchId }, data: { status: "completed", completedAt: new Date() } });
  await recordEvent(tx, batch.customerId, "batch.completed", {
    batch_id: batch.id,
    status: batch.status,
    task_count: batch.taskCount,
    created_at: batch.createdAt.toISOString(),
    completed_at: batch.completedAt?.toISOString() ?? null,
  });
}

type JudgmentWithAnnotator = Judgment & { annotator: Annotator };

async function aggregateTask(tx: Tx, task: Task, judgments: JudgmentWithAnnotator[]): Promise<Aggregate<Answer>> {
  const quality = (annotatorId: string) => {
    const judgment = judgments.find((j) => j.annotatorId === annotatorId);
    return judgment ? reliabilityOf(judgment.annotator).quality : 0.75;
  };
  const spec = task.labelSpec as { options?: string[] };
  switch (task.type as TaskType) {
    case "image_classification":
    case "text_classification":
      return aggregateCategorical(tx, task, judgments, spec.options!, quality);
    case "multi_label_classification":
      return aggregateMultiLabel(
        judgments.map((j) => ({ worker: j.annotatorId, labels: (j.answer as { labels: string[] }).labels })),
        spec.options!,
        quality,
      );
    case "bounding_box":
      return aggregateBoxes(judgments.map((j) => j.answer as unknown as { boxes: Box[] }));
    case "named_entity":
      return aggregateEntities(judgments.map((j) => j.answer as unknown as { entities: Entity[] }));
  }
}

/**
 * Dawid–Skene over this customer's recent tasks with the same question type
 * and options, when every voter of this task has about |L|² labels there;
 * otherwise the skill-weighted vote.
 */
async function aggregateCategorical(
  tx: Tx,
  task: Task,
  judgments: JudgmentWithAnnotator[],
  options: string[],
  quality: (annotatorId: string) => number,
): Promise<Aggregate<Answer>> {
  const index = new Map(options.map((option, i) => [option, i]));
  const votesOf = (list: { annotatorId: string; answer: unknown }[]): CategoricalVote[] =>
    list.map((j) => ({ worker: j.annotatorId, label: index.get((j.answer as { label: string }).label)! })).filter((v) => v.label !== undefined);
  const ownVotes = votesOf(judgments);
  const enoughLabels = options.length ** 2;
  // A voter's labels in any context are at most all their counted judgments plus this one.
  const couldHaveHistory = judgments.every((j) => j.annotator.judgmentCount + 1 >= enoughLabels);
  if (!couldHaveHistory) return weightedAggregate(ownVotes, options, quality);

  const context = await tx.task.findMany({
    where: { customerId: task.customerId, type: task.type, status: "completed", labelSpec: { equals: task.labelSpec as Prisma.InputJsonValue } },
    orderBy: { id: "desc" },
    take: DAWID_SKENE_CONTEXT,
    select: { judgments: { select: { annotatorId: true, answer: true } } },
  });
  const items = [...context.map((t) => votesOf(t.judgments)), ownVotes];
  const labelsPerWorker = new Map<string, number>();
  for (const vote of items.flat()) labelsPerWorker.set(vote.worker, (labelsPerWorker.get(vote.worker) ?? 0) + 1);
  const enoughHistory = ownVotes.every((v) => (labelsPerWorker.get(v.worker) ?? 0) >= enoughLabels);

  if (enoughHistory && items.length > 1) {
    const fit = dawidSkene(items, options.length);
    const posterior = fit.posterior[fit.posterior.length - 1];
    const chosen = argmax(posterior);
    return { answer: { label: options[chosen] }, confidence: roundTo(posterior[chosen], 6), method: "dawid_skene" };
  }
  return weightedAggregate(ownVotes, options, quality);
}

function weightedAggregate(votes: CategoricalVote[], options: string[], quality: (annotatorId: string) => number): Aggregate<Answer> {
  const { posterior } = weightedVote(votes, options.length, quality);
  const chosen = argmax(posterior);
  return { answer: { label: options[chosen] }, confidence: roundTo(posterior[chosen], 6), method: "weighted_vote" };
}

/** Whether two answers to a task agree (gold scoring and agreement). */
export function sameAnswer(type: TaskType, a: Answer, b: Answer): boolean {
  switch (type) {
    case "image_classification":
    case "text_classification":
      return (a as { label: string }).label === (b as { label: string }).label;
    case "multi_label_classification": {
      const x = new Set((a as { labels: string[] }).labels);
      const y = (b as { labels: string[] }).labels;
      return x.size === y.length && y.every((l) => x.has(l));
    }
    case "bounding_box": {
      const x = (a as { boxes: Box[] }).boxes;
      const y = [...(b as { boxes: Box[] }).boxes];
      if (x.length !== y.length) return false;
      return x.every((box) => {
        const match = y.findIndex((other) => other.label === box.label && iou(box, other) >= IOU_THRESHOLD);
        if (match < 0) return false;
        y.splice(match, 1);
        return true;
      });
    }
    case "named_entity": {
      const key = (e: Entity) => `${e.start}:${e.end}:${e.label}`;
      const x = new Set((a as { entities: Entity[] }).entities.map(key));
      const y = (b as { entities: Entity[] }).entities.map(key);
      return x.size === y.length && y.every((k) => x.has(k));
    }
  }
}

function roundTo(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

