// Labeling projects: a task type and label_spec with instructions (Markdown)
// and worked examples, and the defaults their tasks, batches and jobs inherit
// (tasks/project-defaults.ts). A change applies to tasks submitted after it
// (a change of work team also moves its open tasks); archiving keeps the
// project and its tasks but refuses new ones.
import { z } from "zod";
import { transaction } from "../../db/transaction.js";
import type { Deps } from "../../deps.js";
import { Prisma, type Project } from "../../generated/prisma/client.js";
import { assertAllowed } from "../accounts/index.js";
import { auditCustomerChange } from "../audit/index.js";
import { newId, NotFoundError, parseInput, problemsOf, tenantOf, ValidationError, type CustomerActor, type FieldProblem } from "../shared/index.js";
import { checkSharedFields, statusCounts, TASK_TYPE_DEFINITIONS, taskInputSchema, workforceOf, type StatusCounts } from "../tasks/index.js";
import { isTenantsTeam, qualificationSchema, qualityRulesSchema } from "../workforce/index.js";

const exampleSchema = z
  .object({
    data: z.string().min(1).max(10_000).optional(),
    dataUrl: taskInputSchema.shape.dataUrl,
    answer: z.unknown(),
    explanation: z.string().max(2_000).optional(),
  })
  .strict();

const fields = {
  name: z.string().trim().min(1, "must not be empty").max(200),
  type: taskInputSchema.shape.type,
  labelSpec: taskInputSchema.shape.labelSpec,
  instructions: z.string().max(20_000, "must be at most 20000 characters"),
  examples: z.array(exampleSchema).max(20, "may hold at most 20 examples"),
  replication: taskInputSchema.shape.replication.unwrap().nullable(),
  minConfidence: taskInputSchema.shape.minConfidence.unwrap().nullable(),
  priority: taskInputSchema.shape.priority.unwrap().nullable(),
  /** Who labels it: one of the customer's work teams; null, the shared pool. */
  workTeamId: z.string().regex(/^wtm_[0-9a-z]{26}$/, "is not a work team id (wtm_…)").nullable(),
  /** Automatic quality rules (workforce/quality-rules.ts); null: none. */
  qualityRules: qualityRulesSchema.nullable(),
  /** Gold tasks an annotator answers first, and the mark that lets it label the rest (workforce/qualification.ts); null: none. */
  qualification: qualificationSchema.nullable(),
  /** The share of an annotator's claims on the project that are its gold tasks (labeling/queue.ts); null: gold by priority. */
  goldRate: z.number().min(0).max(1).nullable(),
};

export const projectInputSchema = z
  .object({ ...fields, instructions: fields.instructions.default(""), examples: fields.examples.default([]), replication: fields.replication.optional(), minConfidence: fields.minConfidence.optional(), priority: fields.priority.optional(), workTeamId: fields.workTeamId.optional(), qualityRules: fields.qualityRules.optional(), qualification: fields.qualification.optional(), goldRate: fields.goldRate.optional() })
  .strict();
export const projectChangeSchema = z.object({ ...fields, archived: z.boolean() }).partial().strict();

type ProjectSettings = z.output<typeof projectInputSchema>;

/** The spec against the type, the replication against the environment, each example's answer against the spec. */
function settingsProblems(actor: CustomerActor, value: ProjectSettings): FieldProblem[] {
  const shared = checkSharedFields({ type: value.type, labelSpec: value.labelSpec, replication: value.replication ?? undefined }, actor.environment, (field) => [field]);
  const problems = [...shared.problems];
  if (shared.spec) {
    value.examples.forEach((example, index) => {
      const answer = TASK_TYPE_DEFINITIONS[value.type].answer(shared.spec!, example.data).safeParse(example.answer);
      if (!answer.success) problems.push(...problemsOf(answer.error, ["examples", index, "answer"]));
    });
  }
  return problems;
}

/** A project's team must be one of the customer environment's. */
async function teamProblems(deps: Pick<Deps, "prisma">, actor: CustomerActor, workTeamId: string | null | undefined): Promise<FieldProblem[]> {
  if (!workTeamId || (await isTenantsTeam(deps, tenantOf(actor), workTeamId))) return [];
  return [{ path: "workTeamId", message: `no work team ${workTeamId} in this environment` }];
}

/** POST /v1/projects, createProject. */
export async function createProject(deps: Pick<Deps, "prisma">, actor: CustomerActor, input: unknown): Promise<Project> {
  assertAllowed(actor, "tasks.write");
  const value = parseInput(projectInputSchema, input);
  const problems = [...settingsProblems(actor, value), ...(await teamProblems(deps, actor, value.workTeamId))];
  if (problems.length) throw ValidationError.of(problems);
  return transaction(deps.prisma, async (tx) => {
    const project = await tx.project.create({
      data: { id: newId("prj"), ...tenantOf(actor), ...value, ...asColumns(value), labelSpec: value.labelSpec as Prisma.InputJsonValue },
    });
    await auditCustomerChange(tx, actor, { action: "project.created", targetId: project.id, details: { name: project.name } });
    return project;
  });
}

/** A change's columns (JSON fields as Prisma takes them). */
function asColumns(value: Partial<ProjectSettings>) {
  return {
    ...value,
    labelSpec: value.labelSpec as Prisma.InputJsonValue | undefined,
    examples: value.examples as Prisma.InputJsonValue | undefined,
    qualityRules: value.qualityRules === null ? Prisma.DbNull : (value.qualityRules as Prisma.InputJsonValue | undefined),
    qualification: value.qualification === null ? Prisma.DbNull : (value.qualification as Prisma.InputJsonValue | undefined),
  };
}

export async function getProject(deps: Pick<Deps, "prisma">, actor: CustomerActor, projectId: string): Promise<Project> {
  assertAllowed(actor, "labels.read");
  const project = await deps.prisma.project.findFirst({ where: { id: projectId, ...tenantOf(actor) } });
  if (!project) throw new NotFoundError(`project ${projectId}`);
  return project;
}

export function listProjects(deps: Pick<Deps, "prisma">, actor: CustomerActor, page: { take?: number; skip?: number; cursor?: Prisma.ProjectWhereUniqueInput }) {
  assertAllowed(actor, "labels.read");
  return deps.prisma.project.findMany({ ...page, where: tenantOf(actor), orderBy: { id: "desc" } });
}

/** The project's tasks by status (one index scan of the project's tasks). */
export async function projectTaskCounts(deps: Pick<Deps, "prisma">, projectId: string): Promise<StatusCounts> {
  return statusCounts(await deps.prisma.$queryRaw<{ status: string; count: number }[]>`
    SELECT status, count(*)::int AS count FROM tasks WHERE project_id = ${projectId} GROUP BY status`);
}

/** PATCH /v1/projects/{id}: changed settings apply to tasks submitted from now on; `archived` refuses new tasks. */
export async function updateProject(deps: Pick<Deps, "prisma">, actor: CustomerActor, projectId: string, input: unknown): Promise<Project> {
  assertAllowed(actor, "tasks.write");
  const { archived, ...change } = parseInput(projectChangeSchema, input);
  return transaction(deps.prisma, async (tx) => {
    const [locked] = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM projects WHERE id = ${projectId} AND customer_id = ${actor.customerId} AND environment = ${actor.environment} FOR UPDATE`;
    if (!locked) throw new NotFoundError(`project ${projectId}`);
    const current = await tx.project.findUniqueOrThrow({ where: { id: projectId } });
    const merged = {
      name: current.name,
      type: current.type,
      labelSpec: current.labelSpec,
      instructions: current.instructions,
      examples: current.examples,
      replication: current.replication,
      minConfidence: current.minConfidence,
      priority: current.priority,
      ...change,
    } as ProjectSettings;
    const problems = [...settingsProblems(actor, merged), ...(await teamProblems(deps, actor, change.workTeamId))];
    if (problems.length) throw ValidationError.of(problems);
    // Its open tasks follow it to the new workforce; assignments already leased finish or expire.
    if (change.workTeamId !== undefined && change.workTeamId !== current.workTeamId) {
      await tx.$executeRaw`
        UPDATE tasks SET work_team_id = ${change.workTeamId}, workforce = ${change.workTeamId ? "human" : workforceOf(actor.environment)}, updated_at = now()
        WHERE project_id = ${projectId} AND status IN ('pending', 'in_progress')`;
    }
    const archivedAt = archived === undefined ? undefined : archived ? (current.archivedAt ?? new Date()) : null;
    const updated = await tx.project.update({ where: { id: projectId }, data: { ...asColumns(change), ...(archivedAt !== undefined ? { archivedAt } : {}) } });
    await auditCustomerChange(tx, actor, { action: archived ? "project.archived" : "project.updated", targetId: projectId, details: { fields: Object.keys(change) } });
    return updated;
  });
}
