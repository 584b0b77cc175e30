// A task, batch or job that names a project takes the project's settings —
// type, label_spec, replication, min_confidence, priority — for whatever it
// does not say itself (its own fields override). Another customer's or
// environment's project is "no such project", like any id of theirs.
import type { Deps } from "../../deps.js";
import type { Project } from "../../generated/prisma/client.js";
import { tenantOf, type CustomerActor, type FieldProblem } from "../shared/index.js";
import { problemAt } from "./input.js";

export type ProjectField = "type" | "labelSpec" | "replication" | "minConfidence" | "priority";
const TASK_FIELDS: readonly ProjectField[] = ["type", "labelSpec", "replication", "minConfidence", "priority"];
/** What a job takes from its project (a job has no min_confidence of its own). */
export const JOB_PROJECT_FIELDS: readonly ProjectField[] = ["type", "labelSpec", "replication", "priority"];

/** The project's settings under a task's own fields. */
function filledIn(project: Project, own: Record<string, unknown>, fields: readonly ProjectField[]): Record<string, unknown> {
  const defaults: Record<string, unknown> = {};
  for (const field of fields) if (project[field] !== null) defaults[field] = project[field];
  return { ...defaults, ...own, projectId: project.id };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Each item with its project's settings filled in (`projectId` its own, else
 * `shared`, a batch's), or a problem at `pathOf(index)`'s projectId. Items
 * naming no project are returned as they are. One query for any number.
 */
export async function withProjectDefaults(
  deps: Pick<Deps, "prisma">,
  actor: CustomerActor,
  items: unknown[],
  pathOf: (index: number) => PropertyKey[],
  shared?: string,
  fields: readonly ProjectField[] = TASK_FIELDS,
): Promise<{ items: unknown[]; problems: FieldProblem[] }> {
  const named = (item: unknown) => (isRecord(item) && typeof item.projectId === "string" ? item.projectId : shared);
  const ids = [...new Set(items.map(named).filter((id): id is string => id !== undefined))];
  if (ids.length === 0) return { items, problems: [] };
  const projects = new Map(
    (await deps.prisma.project.findMany({ where: { id: { in: ids }, ...tenantOf(actor), archivedAt: null } })).map((project) => [project.id, project]),
  );
  const problems: FieldProblem[] = [];
  const missing = (id: string) => `no project ${id} in this environment (or it is archived)`;
  // A batch's own project, missing, is one problem, not one per task.
  if (shared !== undefined && !projects.has(shared)) problems.push(problemAt(["projectId"], missing(shared)));
  const filled = items.map((item, index) => {
    const id = named(item);
    if (id === undefined || !isRecord(item)) return item;
    const project = projects.get(id);
    if (!project) {
      if (id !== shared) problems.push(problemAt([...pathOf(index), "projectId"], missing(id)));
      return item;
    }
    return filledIn(project, item, fields);
  });
  return { items: filled, problems };
}
