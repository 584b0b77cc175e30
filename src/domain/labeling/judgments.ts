// Annotators' answers: a judgment (checked against the task's label_spec) that
// may complete the task, or a problem report that may fail it.
import { z } from "zod";
import { sqlTransaction, transaction, type SqlTx } from "../../db/transaction.js";
import type { Deps } from "../../deps.js";
import { Prisma, type Judgment, type Task } from "../../generated/prisma/client.js";
import { ConflictError, newId, NotFoundError, parseInput, type AnnotatorActor } from "../shared/index.js";
import { failTask, isFinal, publishTaskStatus, taskColumnsOf, taskTypeOf } from "../tasks/index.js";
import { aggregateAndMaybeComplete } from "./completion.js";
import { activeAssignment, assignmentClosed, leaseExpired } from "./queue.js";
import { applyProjectRules } from "../workforce/quality-rules.js";
import { rememberCompletion } from "./vote-history.js";

export interface JudgmentOutcome {
  judgment: Judgment;
  task: Task;
}

/** The annotator's assignment and its task, the task row locked: one statement. */
async function lockAssignedTask(tx: SqlTx, actor: AnnotatorActor, assignmentId: string) {
  const [row] = await tx.$queryRaw<(Task & { assignmentStatus: string; leaseExpired: boolean })[]>`
    SELECT a.status AS "assignmentStatus", a.leased_until <= now() AS "leaseExpired", ${Prisma.raw(taskColumnsOf("t"))}
    FROM assignments a JOIN tasks t ON t.id = a.task_id
    WHERE a.id = ${assignmentId} AND a.annotator_id = ${actor.annotatorId}
    FOR UPDATE OF t`;
  if (!row) throw new NotFoundError(`assignment ${assignmentId}`);
  const { assignmentStatus, leaseExpired, ...task } = row;
  if (assignmentStatus !== "active") throw assignmentClosed(assignmentId, assignmentStatus);
  return { task: task as Task, leaseExpired };
}

/**
 * submitJudgment: validates the answer against the task's label_spec; may
 * complete the task. Two statements when it does not (lock and read; record),
 * a few more when it completes the task.
 */
export async function submitJudgment(
  deps: Pick<Deps, "prisma" | "pubsub" | "config">,
  actor: AnnotatorActor,
  assignmentId: string,
  answer: unknown,
): Promise<JudgmentOutcome> {
  const outcome = await sqlTransaction(deps.prisma, async (tx) => {
    // The task row lock serializes the judgments that may complete it.
    const { task, leaseExpired } = await lockAssignedTask(tx, actor, assignmentId);
    if (leaseExpired) return { expired: true as const };
    const parsed = parseInput(taskTypeOf(task).answer(task.labelSpec, task.data), answer, ["answer"]);
    if (isFinal(task.status)) {
      // The assignment was read before the lock was granted: read it again. Ending
      // a task closes its assignments, so an active one here is a row changed by hand.
      const [fresh] = await tx.$queryRaw<{ status: string }[]>`SELECT status FROM assignments WHERE id = ${assignmentId}`;
      if (fresh?.status !== "active") throw assignmentClosed(assignmentId, fresh?.status);
      throw new ConflictError("task_closed", `task ${task.id} is already ${task.status}`);
    }
    // A statement of its own, after the lock: it sees a submission of this assignment committed meanwhile.
    const judgmentId = newId("jdg");
    const [recorded] = await tx.$queryRaw<{ createdAt: Date; judgmentCount: number; targetJudgments: number }[]>`
      WITH submitted AS (
        UPDATE assignments SET status = 'submitted', submitted_at = now() WHERE id = ${assignmentId} AND status = 'active' RETURNING id
      ), judgment AS (
        INSERT INTO judgments (id, task_id, annotator_id, assignment_id, answer, created_at)
        SELECT ${judgmentId}, ${task.id}, ${actor.annotatorId}, submitted.id, ${JSON.stringify(parsed)}::jsonb, now() FROM submitted
        RETURNING created_at
      ), counted AS (
        UPDATE tasks SET judgment_count = judgment_count + 1, updated_at = now()
        WHERE id = ${task.id} AND EXISTS (SELECT 1 FROM judgment) RETURNING judgment_count, target_judgments
      )
      SELECT judgment.created_at AS "createdAt", counted.judgment_count AS "judgmentCount", counted.target_judgments AS "targetJudgments"
      FROM judgment, counted`;
    if (!recorded) throw new ConflictError("assignment_closed", `assignment ${assignmentId} was closed meanwhile`);
    const judgment: Judgment = { id: judgmentId, taskId: task.id, annotatorId: actor.annotatorId, assignmentId, answer: parsed as Prisma.JsonValue, createdAt: recorded.createdAt, agreed: null };
    const counted = { ...task, judgmentCount: recorded.judgmentCount, updatedAt: recorded.createdAt };
    if (recorded.judgmentCount < recorded.targetJudgments) return { judgment, task: counted };
    return { judgment, ...(await aggregateAndMaybeComplete(tx, counted, deps.config)) };
  });
  if ("expired" in outcome) {
    await deps.prisma.assignment.updateMany({ where: { id: assignmentId, status: "active" }, data: { status: "expired" } });
    throw leaseExpired(assignmentId);
  }
  if (outcome.completedVotes) rememberCompletion(outcome.task, outcome.completedVotes);
  if (outcome.task.status === "completed") await publishTaskStatus(deps, outcome.task);
  // After the judgment committed: it may decide the annotator's qualification, or break a rule and suspend it from the project; the judgment stands.
  if (outcome.task.projectId) await applyProjectRules(deps, outcome.task.projectId, actor.annotatorId);
  return { judgment: outcome.judgment, task: outcome.task };
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
