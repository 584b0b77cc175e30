// The work queue: annotators claim tasks under a lease (at most the task's
// open slots, never twice the same task), and can hand them back.
import { sqlTransaction, transaction, type SqlTx, type Tx } from "../../db/transaction.js";
import { existenceCheck } from "../../db/database.js";
import type { Deps } from "../../deps.js";
import { Prisma, type Assignment, type Task } from "../../generated/prisma/client.js";
import { ConflictError, newId, NotFoundError, type AnnotatorActor } from "../shared/index.js";
import { publishTaskStatus, taskColumnsOf, type TaskType } from "../tasks/index.js";
import { applySkipRule } from "../workforce/quality-rules.js";

/**
 * How long a claim holds a slot of its task. A person gets 10 minutes; the
 * simulated crowd answers at once, so a claim of a worker process that died
 * (kill -9, a lost machine) comes back to the queue within 30 s.
 */
const LEASE_MS = { human: 10 * 60 * 1000, simulated: 30 * 1000 } as const;
export type AssignmentWithTask = Assignment & { task: Task };

/**
 * nextAssignment: the highest-priority, oldest task this annotator may still
 * judge, or null. Two statements: lock a candidate; then, on a fresh snapshot,
 * check its open slots again, lease one and start the task.
 */
export async function claimNextAssignment(
  deps: Pick<Deps, "prisma" | "pubsub">,
  actor: AnnotatorActor,
  types?: TaskType[],
): Promise<AssignmentWithTask | null> {
  const claimed = await sqlTransaction(deps.prisma, async (tx) => {
    const passedOver: string[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      const taskId = await lockCandidate(tx, actor, types, passedOver);
      if (taskId === null) return null;
      const leased = await leaseSlot(tx, actor, taskId);
      if (leased) return leased;
      passedOver.push(taskId);
    }
    return null;
  });
  if (claimed?.started) await publishTaskStatus(deps, claimed.assignment.task);
  return claimed?.assignment ?? null;
}

const anyOpenTask = existenceCheck("any-open-task", "SELECT 1 FROM tasks WHERE workforce = $1 AND status IN ('pending', 'in_progress') LIMIT 1");

/** Whether a workforce has any open task: an idle crowd looks before it makes its claims. */
export function hasOpenTasks(deps: Pick<Deps, "prisma">, workforce: AnnotatorActor["workforce"]): Promise<boolean> {
  return anyOpenTask(deps.prisma, [workforce]);
}

/**
 * A project with a qualification offers an annotator that has not passed it
 * only its gold tasks, and nothing while a failed try waits for its retry
 * (workforce/qualification.ts decides).
 */
const qualifiedFor = (annotatorId: string) => Prisma.sql`(t.project_id IS NULL
  OR NOT EXISTS (SELECT 1 FROM projects p WHERE p.id = t.project_id AND p.qualification IS NOT NULL)
  OR EXISTS (SELECT 1 FROM project_qualifications q WHERE q.project_id = t.project_id AND q.annotator_id = ${annotatorId} AND q.status = 'passed')
  OR (t.gold_answer IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM project_qualifications q WHERE q.project_id = t.project_id AND q.annotator_id = ${annotatorId} AND q.status = 'failed' AND q.retry_at > now())))`;

/** Open slots of a task: wanted judgments less those given and those leased now. */
const openSlots = (alias: string) => Prisma.sql`${Prisma.raw(alias)}.target_judgments - ${Prisma.raw(alias)}.judgment_count - (
  SELECT count(*) FROM assignments a
  WHERE a.task_id = ${Prisma.raw(alias)}.id AND a.status = 'active' AND a.leased_until > now())`;

/** Whether the annotator must still pass the project `p`'s qualification (it is then offered only gold: qualifiedFor). */
const qualifying = (annotatorId: string) => Prisma.sql`(p.qualification IS NOT NULL AND NOT EXISTS (
  SELECT 1 FROM project_qualifications q WHERE q.project_id = p.id AND q.annotator_id = ${annotatorId} AND q.status = 'passed'))`;

/**
 * Locks the next task with an open slot for this annotator. SKIP LOCKED: concurrent
 * annotators never wait on, or double-claim, the same task row. Pending and
 * started tasks are searched apart, each along the queue index in its order,
 * so a search stops at the first fit instead of weighing every open task (with
 * 10,000 open tasks the single search took ~100 ms per claim).
 *
 * A project with a gold_rate r offers its gold tasks only by a draw: a claim
 * takes a gold task (along the gold index, before any other) of a project whose
 * rate is above this claim's random draw, so about r of an annotator's claims
 * are gold, at no place it could learn. The other searches leave such gold out,
 * except to an annotator still qualifying for its project.
 */
async function lockCandidate(tx: SqlTx, actor: AnnotatorActor, types: TaskType[] | undefined, passedOver: string[]): Promise<string | null> {
  const typeFilter = types?.length ? Prisma.sql`AND t.type IN (${Prisma.join(types)})` : Prisma.empty;
  const skip = passedOver.length ? Prisma.sql`AND t.id NOT IN (${Prisma.join(passedOver)})` : Prisma.empty;
  // The shared pool takes tasks of no work team; a private annotator only its active teams' (the
  // membership read FOR SHARE: a suspension waits for this claim, or this claim sees it).
  const pool =
    actor.ownerCustomerId === null
      ? Prisma.sql`AND t.work_team_id IS NULL`
      : Prisma.sql`AND t.work_team_id IN (SELECT m.team_id FROM work_team_members m WHERE m.annotator_id = ${actor.annotatorId} AND m.status = 'active' FOR SHARE)`;
  const draw = Math.random();
  const drawnGold = Prisma.sql`AND t.gold_answer IS NOT NULL AND EXISTS (SELECT 1 FROM projects p WHERE p.id = t.project_id AND p.gold_rate > ${draw})`;
  const undrawnGold = Prisma.sql`AND NOT (t.gold_answer IS NOT NULL AND EXISTS (
    SELECT 1 FROM projects p WHERE p.id = t.project_id AND p.gold_rate IS NOT NULL AND NOT ${qualifying(actor.annotatorId)}))`;
  const firstFit = (status: Prisma.Sql, gold: Prisma.Sql) => Prisma.sql`
    SELECT t.id, t.priority FROM tasks t
    WHERE t.workforce = ${actor.workforce} AND t.status ${status}
      ${typeFilter} ${skip} ${pool} ${gold}
      AND NOT EXISTS (SELECT 1 FROM project_suspensions s WHERE s.project_id = t.project_id AND s.annotator_id = ${actor.annotatorId} AND (s.until IS NULL OR s.until > now()))
      AND ${qualifiedFor(actor.annotatorId)}
      AND ${openSlots("t")} > 0
      AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.task_id = t.id AND a.annotator_id = ${actor.annotatorId})
    ORDER BY t.priority DESC, t.id ASC
    LIMIT 1
    FOR UPDATE OF t SKIP LOCKED`;
  const rows = await tx.$queryRaw<{ id: string }[]>`
    WITH gold AS (${firstFit(Prisma.sql`IN ('pending', 'in_progress')`, drawnGold)}),
      pending AS (${firstFit(Prisma.sql`= 'pending'`, undrawnGold)}), started AS (${firstFit(Prisma.sql`= 'in_progress'`, undrawnGold)})
    SELECT id FROM (SELECT *, 0 AS pass FROM gold UNION ALL SELECT *, 1 FROM pending UNION ALL SELECT *, 1 FROM started) fits
    ORDER BY pass, priority DESC, id ASC
    LIMIT 1`;
  return rows[0]?.id ?? null;
}

/**
 * Leases a slot of the locked task, if it still has one, and starts it: one
 * statement. Its own snapshot, taken after the lock, counts a claim committed
 * just before our lock, which the search's snapshot may predate.
 */
async function leaseSlot(tx: SqlTx, actor: AnnotatorActor, taskId: string): Promise<{ assignment: AssignmentWithTask; started: boolean } | null> {
  const leasedUntil = new Date(Date.now() + LEASE_MS[actor.workforce]);
  const [row] = await tx.$queryRaw<(Task & { assignmentId: string; assignmentCreatedAt: Date; started: boolean })[]>`
    WITH fit AS (
      SELECT t.id FROM tasks t WHERE t.id = ${taskId} AND t.status IN ('pending', 'in_progress') AND ${openSlots("t")} > 0
    ), leased AS (
      INSERT INTO assignments (id, task_id, annotator_id, status, leased_until, created_at)
      SELECT ${newId("asg")}, fit.id, ${actor.annotatorId}, 'active', ${leasedUntil}, now() FROM fit
      RETURNING id, created_at
    ), started AS (
      UPDATE tasks t SET status = 'in_progress', updated_at = now() FROM leased WHERE t.id = ${taskId} AND t.status = 'pending' RETURNING t.id
    )
    SELECT leased.id AS "assignmentId", leased.created_at AS "assignmentCreatedAt", EXISTS (SELECT 1 FROM started) AS started,
      ${Prisma.raw(taskColumnsOf("t"))}
    FROM leased, tasks t WHERE t.id = ${taskId}`;
  if (!row) return null;
  const { assignmentId, assignmentCreatedAt, started, ...task } = row;
  // The row read here predates the statement's own update.
  if (started) Object.assign(task, { status: "in_progress", updatedAt: assignmentCreatedAt });
  const assignment: AssignmentWithTask = {
    id: assignmentId,
    taskId,
    annotatorId: actor.annotatorId,
    status: "active",
    leasedUntil,
    problem: null,
    createdAt: assignmentCreatedAt,
    submittedAt: null,
    task: task as Task,
  };
  return { assignment, started };
}

/** The refusals of an answer to an assignment that is no longer open (shared with judgments.ts). */
export const assignmentClosed = (assignmentId: string, status: string | undefined) =>
  new ConflictError("assignment_closed", `assignment ${assignmentId} is already ${status}`);
export const leaseExpired = (assignmentId: string) =>
  new ConflictError("lease_expired", `the lease on assignment ${assignmentId} expired; the task went back to the queue`);

/** The annotator's assignment, still active and within its lease; otherwise 404 or 409. */
export async function activeAssignment(tx: Tx, actor: AnnotatorActor, assignmentId: string): Promise<Assignment> {
  const assignment = await tx.assignment.findFirst({ where: { id: assignmentId, annotatorId: actor.annotatorId } });
  if (!assignment) throw new NotFoundError(`assignment ${assignmentId}`);
  if (assignment.status !== "active") {
    throw assignmentClosed(assignmentId, assignment.status);
  }
  if (assignment.leasedUntil.getTime() <= Date.now()) {
    await tx.assignment.update({ where: { id: assignmentId }, data: { status: "expired" } });
    throw leaseExpired(assignmentId);
  }
  return assignment;
}

/** releaseAssignment: the annotator skips the task, handing it back to the queue (a project's skips rule may then slow it down). */
export async function releaseAssignment(deps: Pick<Deps, "prisma">, actor: AnnotatorActor, assignmentId: string): Promise<Assignment> {
  const skipped = await transaction(deps.prisma, async (tx) => {
    await activeAssignment(tx, actor, assignmentId);
    return tx.assignment.update({ where: { id: assignmentId }, data: { status: "skipped" }, include: { task: { select: { projectId: true } } } });
  });
  const { task, ...assignment } = skipped;
  if (task.projectId) await applySkipRule(deps, task.projectId, actor.annotatorId);
  return assignment;
}
