// Automatic quality rules per project, in the spirit of Toloka's: an annotator
// whose last K gold answers on the project fall below an accuracy, or who
// answered M of its tasks in a row each faster than T seconds, is suspended
// from the project at once (its open assignments of it released, an
// annotator.suspended event with the reason). One that skipped more than M of
// its last K claims of the project's tasks is slowed: offered none of them for
// a pause (annotator.slowed). The customer can also suspend by hand, and lifts
// a suspension (or a slowdown) to reverse it. Rules are checked after each
// judgment an annotator gives on the annotator API, the skips rule after each
// skip.
import { z } from "zod";
import { sqlTransaction } from "../../db/transaction.js";
import type { Deps } from "../../deps.js";
import type { Project, ProjectSuspension } from "../../generated/prisma/client.js";
import { assertAllowed } from "../accounts/index.js";
import { auditCustomerChange } from "../audit/index.js";
import { NotFoundError, parseInput, tenantOf, type CustomerActor } from "../shared/index.js";
import { recordEvent } from "../webhooks/index.js";
import { decideQualification, goldAccuracy, projectOf } from "./qualification.js";
import { releaseOpenAssignments } from "./work-teams.js";

export const qualityRulesSchema = z
  .object({
    /** Suspend below `min` accuracy over the annotator's last `over_last` gold tasks of the project. */
    gold_accuracy: z.object({ min: z.number().min(0).max(1), over_last: z.number().int().min(1).max(200) }).strict().optional(),
    /** Suspend after `in_a_row` judgments in a row, each given less than `seconds` after its task was claimed. */
    fast_answers: z.object({ seconds: z.number().positive().max(3600), in_a_row: z.number().int().min(2).max(100) }).strict().optional(),
    /** Slow down (none of the project's tasks for `pause_minutes`) after skipping more than `max` of the last `over_last` claims. */
    skips: z
      .object({ max: z.number().int().min(0).max(199), over_last: z.number().int().min(1).max(200), pause_minutes: z.number().positive().max(7 * 24 * 60) })
      .strict()
      .refine((rule) => rule.max < rule.over_last, { message: "max must be less than over_last", path: ["max"] })
      .optional(),
  })
  .strict();
export type QualityRules = z.output<typeof qualityRulesSchema>;

const manualSchema = z.object({ annotatorId: z.string().min(1).max(100), reason: z.string().trim().min(1).max(500) }).strict();

/** Why the annotator breaks one of the rules now (and which: "rule:<name>"), or null. */
async function breach(deps: Pick<Deps, "prisma">, project: Project, annotatorId: string): Promise<{ rule: string; reason: string } | null> {
  const rules = (project.qualityRules ?? {}) as QualityRules;
  if (rules.fast_answers) {
    const { seconds, in_a_row } = rules.fast_answers;
    const latest = await deps.prisma.$queryRaw<{ took: number }[]>`
      SELECT extract(epoch FROM j.created_at - a.created_at)::float8 AS took
      FROM judgments j JOIN assignments a ON a.id = j.assignment_id JOIN tasks t ON t.id = j.task_id
      WHERE j.annotator_id = ${annotatorId} AND t.project_id = ${project.id}
      ORDER BY j.created_at DESC LIMIT ${in_a_row}`;
    if (latest.length === in_a_row && latest.every((row) => row.took < seconds)) {
      return { rule: "rule:fast_answers", reason: `answered ${in_a_row} tasks in a row in under ${seconds} s each (the slowest in ${Math.max(...latest.map((r) => r.took)).toFixed(1)} s)` };
    }
  }
  if (rules.gold_accuracy) {
    const { min, over_last } = rules.gold_accuracy;
    const gold = await goldAccuracy(deps, project.id, annotatorId, { count: over_last });
    if (gold && gold.accuracy < min) return { rule: "rule:gold_accuracy", reason: `gold accuracy ${gold.accuracy.toFixed(2)} over its last ${over_last} gold tasks, below ${min}` };
  }
  return null;
}

/**
 * After a judgment on a project's task: decides the annotator's qualification
 * when it has answered enough, and suspends it from the project if it now
 * breaks a rule.
 */
export async function applyProjectRules(deps: Pick<Deps, "prisma">, projectId: string, annotatorId: string): Promise<ProjectSuspension | null> {
  const project = await deps.prisma.project.findUnique({ where: { id: projectId } });
  if (!project) return null;
  await decideQualification(deps, project, annotatorId);
  if (!project.qualityRules) return null;
  const found = await breach(deps, project, annotatorId);
  return found ? suspendFromProject(deps, project, annotatorId, { reason: found.reason, changedBy: found.rule }) : null;
}

/**
 * Keeps the annotator off the project (until a time, for a slowdown) and
 * releases its open assignments of the project's tasks, in one transaction;
 * null when it already was. A slowdown that has ended gives way to a new one,
 * and a slowdown to a suspension.
 */
async function suspendFromProject(
  deps: Pick<Deps, "prisma">,
  project: Project,
  annotatorId: string,
  change: { reason: string; changedBy: string; until?: Date; actor?: CustomerActor },
) {
  const { reason, changedBy, actor } = change;
  const until = change.until ?? null;
  return sqlTransaction(deps.prisma, async (tx) => {
    const [suspension] = await tx.$queryRaw<ProjectSuspension[]>`
      INSERT INTO project_suspensions (project_id, annotator_id, reason, changed_by, until) VALUES (${project.id}, ${annotatorId}, ${reason}, ${changedBy}, ${until})
      ON CONFLICT (project_id, annotator_id) DO UPDATE SET reason = EXCLUDED.reason, changed_by = EXCLUDED.changed_by, suspended_at = now(), until = EXCLUDED.until
        WHERE project_suspensions.until IS NOT NULL AND (project_suspensions.until <= now() OR EXCLUDED.until IS NULL)
      RETURNING project_id AS "projectId", annotator_id AS "annotatorId", reason, changed_by AS "changedBy", suspended_at AS "suspendedAt", until`;
    if (!suspension) return null;
    const released = await releaseOpenAssignments(tx, annotatorId, { projectId: project.id });
    const data = { project_id: project.id, annotator_id: annotatorId, reason, changed_by: changedBy, released_assignments: released };
    if (until) await recordEvent(tx, project, "annotator.slowed", { ...data, until: until.toISOString() });
    else await recordEvent(tx, project, "annotator.suspended", data);
    if (actor) await auditCustomerChange(tx, actor, { action: "project.annotator_suspended", targetId: annotatorId, details: { project_id: project.id, reason } });
    return suspension;
  });
}

/**
 * After the annotator skipped one of the project's tasks: slows it down when
 * it skipped more than `max` of its last `over_last` claims of the project's
 * tasks (counting only claims made since its last slowdown began: none can
 * be made during one).
 */
export async function applySkipRule(deps: Pick<Deps, "prisma">, projectId: string, annotatorId: string): Promise<ProjectSuspension | null> {
  const project = await deps.prisma.project.findUnique({ where: { id: projectId } });
  const rule = (project?.qualityRules as QualityRules | null)?.skips;
  if (!project || !rule) return null;
  const [{ skipped }] = await deps.prisma.$queryRaw<{ skipped: number }[]>`
    SELECT count(*) FILTER (WHERE recent.status = 'skipped')::int AS skipped FROM (
      SELECT a.status FROM assignments a JOIN tasks t ON t.id = a.task_id
      WHERE a.annotator_id = ${annotatorId} AND t.project_id = ${projectId}
        AND a.created_at > coalesce((SELECT s.suspended_at FROM project_suspensions s WHERE s.project_id = ${projectId} AND s.annotator_id = ${annotatorId}), '-infinity')
      ORDER BY a.created_at DESC LIMIT ${rule.over_last}) recent`;
  if (skipped <= rule.max) return null;
  const reason = `skipped ${skipped} of its last ${rule.over_last} tasks (more than ${rule.max}); paused for ${rule.pause_minutes} min`;
  return suspendFromProject(deps, project, annotatorId, { reason, changedBy: "rule:skips", until: new Date(Date.now() + rule.pause_minutes * 60_000) });
}

/** POST /v1/projects/{id}/suspensions {annotator_id, reason}: by hand. An annotator who never worked on the customer's tasks is not known here. */
export async function suspendByHand(deps: Pick<Deps, "prisma">, actor: CustomerActor, projectId: string, input: unknown): Promise<ProjectSuspension> {
  assertAllowed(actor, "workforce.manage");
  const { annotatorId, reason } = parseInput(manualSchema, input);
  const project = await projectOf(deps, actor, projectId);
  const known = await deps.prisma.judgment.count({ where: { annotatorId, task: { customerId: actor.customerId } } });
  const member = await deps.prisma.workTeamMember.count({ where: { annotatorId, team: tenantOf(actor) } });
  if (!known && !member) throw new NotFoundError(`annotator ${annotatorId}`);
  const suspension = await suspendFromProject(deps, project, annotatorId, { reason, changedBy: "member", actor });
  return suspension ?? (await deps.prisma.projectSuspension.findUniqueOrThrow({ where: { projectId_annotatorId: { projectId, annotatorId } } }));
}

/** GET /v1/projects/{id}/suspensions: who is kept off the project (slowdowns until their end), why and since when. */
export async function listSuspensions(deps: Pick<Deps, "prisma">, actor: CustomerActor, projectId: string) {
  assertAllowed(actor, "read");
  const project = await projectOf(deps, actor, projectId);
  const inForce = { OR: [{ until: null }, { until: { gt: new Date() } }] };
  return deps.prisma.projectSuspension.findMany({ where: { projectId: project.id, ...inForce }, include: { annotator: { select: { name: true } } }, orderBy: { suspendedAt: "asc" } });
}

/** DELETE /v1/projects/{id}/suspensions/{annotator_id}: the annotator is offered the project's tasks again. */
export async function liftSuspension(deps: Pick<Deps, "prisma">, actor: CustomerActor, projectId: string, annotatorId: string): Promise<void> {
  assertAllowed(actor, "workforce.manage");
  const project = await projectOf(deps, actor, projectId);
  await sqlTransaction(deps.prisma, async (tx) => {
    const lifted = await tx.$executeRaw`DELETE FROM project_suspensions WHERE project_id = ${project.id} AND annotator_id = ${annotatorId}`;
    if (!lifted) throw new NotFoundError(`suspension of ${annotatorId} from project ${projectId}`);
    await recordEvent(tx, project, "annotator.reinstated", { project_id: project.id, annotator_id: annotatorId, changed_by: "member" });
    await auditCustomerChange(tx, actor, { action: "project.annotator_reinstated", targetId: annotatorId, details: { project_id: project.id } });
  });
}
