// Annotators' answers: a judgment (checked against the task's label_spec) that
// may complete the task, or a problem report that may fail it.
import { z } from "zod";
import { transaction } from "../../db/transaction.js";
import type { Deps } from "../../deps.js";
import type { Judgment, Prisma, Task } from "../../generated/prisma/client.js";
import { ConflictError, newId, parseInput, type AnnotatorActor } from "../shared/index.js";
import { failTask, isFinal, publishTaskStatus, taskTypeOf } from "../tasks/index.js";
import { aggregateAndMaybeComplete } from "./completion.js";
import { activeAssignment } from "./queue.js";

export interface JudgmentOutcome {
  judgment: Judgment;
  task: Task;
}

/** submitJudgment: validates the answer against the task's label_spec; may complete the task. */
export async function submitJudgment(
  deps: Pick<Deps, "prisma" | "pubsub" | "config">,
  actor: AnnotatorActor,
  assignmentId: string,
  answer: unknown,
): Promise<JudgmentOutcome> {
  const outcome = await transaction(deps.prisma, async (tx) => {
    const assignment = await activeAssignment(tx, actor, assignmentId);
    // The task row lock serializes the judgments that may complete it.
    await tx.$queryRaw`SELECT id FROM tasks WHERE id = ${assignment.taskId} FOR UPDATE`;
    const task = await tx.task.findUniqueOrThrow({ where: { id: assignment.taskId } });
    const parsed = parseInput(taskTypeOf(task).answer(task.labelSpec, task.data), answer, ["answer"]);
    // Ending a task releases its assignments; this guards rows changed by hand.
    if (isFinal(task.status)) throw new ConflictError("task_closed", `task ${task.id} is already ${task.status}`);
    const judgment = await tx.judgment.create({
      data: { id: newId("jdg"), taskId: task.id, annotatorId: actor.annotatorId, assignmentId, answer: parsed as Prisma.InputJsonValue },
    });
    await tx.assignment.update({ where: { id: assignmentId }, data: { status: "submitted", submittedAt: new Date() } });
    const counted = await tx.task.update({ where: { id: task.id }, data: { judgmentCount: { increment: 1 } } });
    const after = counted.judgmentCount >= counted.targetJudgments ? await aggregateAndMaybeComplete(tx, counted, deps.config) : counted;
    return { judgment, task: after };
  });
  if (outcome.task.status === "completed") await publishTaskStatus(deps, outcome.task);
  return outcome;
}

const reasonSchema = z.string().trim().min(1, "must not be empty").max(500, "must be at most 500 characters");

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
  const problem = parseInput(reasonSchema, reason, ["reason"]);
  const task = await transaction(deps.prisma, async (tx) => {
    const assignment = await activeAssignment(tx, actor, assignmentId);
    await tx.$queryRaw`SELECT id FROM tasks WHERE id = ${assignment.taskId} FOR UPDATE`;
    await tx.assignment.update({ where: { id: assignmentId }, data: { status: "problem", problem, submittedAt: new Date() } });
    const current = await tx.task.findUniqueOrThrow({ where: { id: assignment.taskId } });
    const reports = await tx.assignment.findMany({ where: { taskId: current.id, status: "problem" }, select: { problem: true } });
    if (isFinal(current.status) || reports.length < Math.ceil(current.replication / 2)) return current;
    return failTask(tx, current, `annotators could not label this item: ${[...new Set(reports.map((r) => r.problem))].join("; ")}`);
  });
  if (task.status === "failed") await publishTaskStatus(deps, task);
  return task;
}
