// Qualification for a project: before any of its other tasks, an annotator is
// offered only the project's gold tasks, and once it has answered
// `gold_items` of them its accuracy on them decides: at `pass_mark` or above
// it may label the project; below, it is offered none of the project's tasks
// until `retry_after_hours` have passed, then it may try again on other gold.
// The claim applies this (labeling/queue.ts); this decides after a judgment.
import { z } from "zod";
import type { Deps } from "../../deps.js";
import { Prisma, type Project, type ProjectQualification } from "../../generated/prisma/client.js";
import { assertAllowed } from "../accounts/index.js";
import { NotFoundError, tenantOf, type CustomerActor } from "../shared/index.js";
import { taskTypeOf } from "../tasks/index.js";

export const qualificationSchema = z
  .object({
    gold_items: z.number().int().min(1).max(50),
    pass_mark: z.number().min(0).max(1),
    retry_after_hours: z.number().min(0).max(720).optional(),
  })
  .strict();
export type Qualification = z.output<typeof qualificationSchema>;
const DEFAULT_RETRY_HOURS = 24;

/**
 * The annotator's accuracy on `count` of its answers to the project's gold
 * tasks: its latest, or the first since a time; null until it has that many.
 */
export async function goldAccuracy(
  deps: Pick<Deps, "prisma">,
  projectId: string,
  annotatorId: string,
  which: { count: number; firstSince?: Date },
): Promise<{ accuracy: number } | null> {
  const since = which.firstSince ? Prisma.sql`AND j.created_at > ${which.firstSince}` : Prisma.empty;
  const order = which.firstSince ? Prisma.sql`j.created_at` : Prisma.sql`j.created_at DESC`;
  const gold = await deps.prisma.$queryRaw<{ answer: unknown; gold: unknown; type: string }[]>`
    SELECT j.answer, t.gold_answer AS gold, t.type
    FROM judgments j JOIN tasks t ON t.id = j.task_id
    WHERE j.annotator_id = ${annotatorId} AND t.project_id = ${projectId} AND t.gold_answer IS NOT NULL ${since}
    ORDER BY ${order} LIMIT ${which.count}`;
  if (gold.length < which.count) return null;
  return { accuracy: gold.filter((row) => taskTypeOf(row).sameAnswer(row.answer, row.gold)).length / gold.length };
}

/** A project of the actor's tenant, or 404. */
export async function projectOf(deps: Pick<Deps, "prisma">, actor: CustomerActor, projectId: string): Promise<Project> {
  const project = await deps.prisma.project.findFirst({ where: { id: projectId, ...tenantOf(actor) } });
  if (!project) throw new NotFoundError(`project ${projectId}`);
  return project;
}

/** Decides the annotator's qualification once it has answered enough gold since its last try; the record, or null while undecided. */
export async function decideQualification(deps: Pick<Deps, "prisma">, project: Project, annotatorId: string): Promise<ProjectQualification | null> {
  const rules = project.qualification as Qualification | null;
  if (!rules) return null;
  const current = await deps.prisma.projectQualification.findUnique({ where: { projectId_annotatorId: { projectId: project.id, annotatorId } } });
  if (current && (current.status === "passed" || (current.retryAt && current.retryAt > new Date()))) return current;
  const gold = await goldAccuracy(deps, project.id, annotatorId, { count: rules.gold_items, firstSince: current?.decidedAt ?? new Date(0) });
  if (gold === null) return current;
  const { accuracy } = gold;
  const passed = accuracy >= rules.pass_mark;
  const decided = {
    status: passed ? "passed" : "failed",
    accuracy,
    decidedAt: new Date(),
    retryAt: passed ? null : new Date(Date.now() + (rules.retry_after_hours ?? DEFAULT_RETRY_HOURS) * 3_600_000),
  };
  return deps.prisma.projectQualification.upsert({
    where: { projectId_annotatorId: { projectId: project.id, annotatorId } },
    create: { projectId: project.id, annotatorId, ...decided },
    update: decided,
  });
}

/** GET /v1/projects/{id}/qualifications: who passed or failed the project's qualification, and when they may retry. */
export async function listQualifications(deps: Pick<Deps, "prisma">, actor: CustomerActor, projectId: string) {
  assertAllowed(actor, "read");
  const project = await projectOf(deps, actor, projectId);
  return deps.prisma.projectQualification.findMany({ where: { projectId: project.id }, include: { annotator: { select: { name: true } } }, orderBy: { decidedAt: "asc" } });
}

/** Whether this task is offered to the annotator as part of its qualification (the page says so). */
export async function isQualifying(deps: Pick<Deps, "prisma">, projectId: string | null, annotatorId: string): Promise<boolean> {
  if (!projectId) return false;
  const project = await deps.prisma.project.findUnique({ where: { id: projectId }, select: { qualification: true } });
  if (!project?.qualification) return false;
  const passed = await deps.prisma.projectQualification.count({ where: { projectId, annotatorId, status: "passed" } });
  return passed === 0;
}
