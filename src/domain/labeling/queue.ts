// The work queue: annotators claim tasks under a lease (at most the task's
// open slots, never twice the same task), and can hand them back.
import { transaction, type Tx } from "../../db/transaction.js";
import { existenceCheck } from "../../db/database.js";
import type { Deps } from "../../deps.js";
import { Prisma, type Assignment, type Task } from "../../generated/prisma/client.js";
import { ConflictError, newId, NotFoundError, type AnnotatorActor } from "../shared/index.js";
import { publishTaskStatus, startTask, type TaskType } from "../tasks/index.js";

/**
 * How long a claim holds a slot of its task. A person gets 10 minutes; the
 * simulated crowd answers at once, so a claim of a worker process that died
 * (kill -9, a lost machine) comes back to the queue within 30 s.
 */
const LEASE_MS = { human: 10 * 60 * 1000, simulated: 30 * 1000 } as const;
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
        leasedUntil: new Date(Date.now() + LEASE_MS[actor.workforce]),
      },
      include: { task: true },
    });
    started = await startTask(tx, assignment.task);
    return assignment;
  });
  if (assignment && started) await publishTaskStatus(deps, assignment.task);
  return assignment;
}

const anyOpenTask = existenceCheck("any-open-task", "SELECT 1 FROM tasks WHERE workforce = $1 AND status IN ('pending', 'in_progress') LIMIT 1");

/** Whether a workforce has any open task: an idle crowd looks before it makes its claims. */
export function hasOpenTasks(deps: Pick<Deps, "prisma">, workforce: AnnotatorActor["workforce"]): Promise<boolean> {
  return anyOpenTask(deps.prisma, [workforce]);
}

/** Open slots of a task: wanted judgments less those given and those leased now. */
const openSlots = (alias: string) => Prisma.sql`${Prisma.raw(alias)}.target_judgments - ${Prisma.raw(alias)}.judgment_count - (
  SELECT count(*) FROM assignments a
  WHERE a.task_id = ${Prisma.raw(alias)}.id AND a.status = 'active' AND a.leased_until > now())`;

/**
 * Locks the next task with an open slot for this annotator. SKIP LOCKED: concurrent
 * annotators never wait on, or double-claim, the same task row. Pending and
 * started tasks are searched apart, each along the queue index in its order,
 * so a search stops at the first fit instead of weighing every open task (with
 * 10,000 open tasks the single search took ~100 ms per claim). The slot count
 * is checked again once the row is locked, in a statement of its own: the
 * search ran on a snapshot that may predate a claim committed just before our lock.
 */
async function lockClaimableTask(tx: Tx, actor: AnnotatorActor, types?: TaskType[]): Promise<string | null> {
  const typeFilter = types?.length ? Prisma.sql`AND t.type IN (${Prisma.join(types)})` : Prisma.empty;
  const passedOver: string[] = [];
  for (let attempt = 0; attempt < 5; attempt++) {
    const skip = passedOver.length ? Prisma.sql`AND t.id NOT IN (${Prisma.join(passedOver)})` : Prisma.empty;
    const firstFit = (status: string) => Prisma.sql`
      SELECT t.id, t.priority FROM tasks t
      WHERE t.workforce = ${actor.workforce} AND t.status = ${status}
        ${typeFilter} ${skip}
        AND ${openSlots("t")} > 0
        AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.task_id = t.id AND a.annotator_id = ${actor.annotatorId})
      ORDER BY t.priority DESC, t.id ASC
      LIMIT 1
      FOR UPDATE OF t SKIP LOCKED`;
    const rows = await tx.$queryRaw<{ id: string }[]>`
      WITH pending AS (${firstFit("pending")}), started AS (${firstFit("in_progress")})
      SELECT id FROM (SELECT * FROM pending UNION ALL SELECT * FROM started) fits
      ORDER BY priority DESC, id ASC
      LIMIT 1`;
    if (rows.length === 0) return null;
    const [fresh] = await tx.$queryRaw<{ open: number }[]>`
      SELECT (${openSlots("t")})::int AS open FROM tasks t WHERE t.id = ${rows[0].id} AND t.status IN ('pending', 'in_progress')`;
    if (fresh && fresh.open > 0) return rows[0].id;
    passedOver.push(rows[0].id);
  }
  return null;
}

/** The annotator's assignment, still active and within its lease; otherwise 404 or 409. */
export async function activeAssignment(tx: Tx, actor: AnnotatorActor, assignmentId: string): Promise<Assignment> {
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
