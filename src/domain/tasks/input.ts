// What a customer submits as a task, in the domain's camelCase (the REST
// adapter maps the documented snake_case onto it), checked against its type.
import { z } from "zod";
import type { Tier } from "../shared/index.js";
import { formatPath, httpUrl, metadataObject, problemsOf, type FieldProblem } from "../shared/index.js";
import { TASK_TYPE_DEFINITIONS, TASK_TYPES, type TaskType } from "./types/index.js";

const DEFAULT_PRIORITY = 5;
const MAX_DATA_CHARACTERS = 100_000;
/** Judgments per task: how many a tier gets by default and may ask for at most. */
const REPLICATION = { sandbox: { default: 3, max: 3 }, live: { default: 3, max: 10 } } as const;

export const taskInputSchema = z
  .object({
    type: z.enum(TASK_TYPES, { message: `must be one of ${TASK_TYPES.join(", ")}` }),
    dataUrl: httpUrl.optional(),
    data: z
      .union([z.string().min(1, "must not be empty").max(MAX_DATA_CHARACTERS, `must be at most ${MAX_DATA_CHARACTERS} characters`), z.record(z.string(), z.unknown())])
      .optional()
      .meta({ description: "Inline text; for pairwise_preference an object {prompt, responses: [{id?, text}, {id?, text}]} (or its JSON text)." }),
    labelSpec: z
      .custom<unknown>((value) => value !== undefined, "is required")
      .meta({ type: "object", description: "Type-specific: question and options, classes, or entity_types." }),
    metadata: metadataObject.optional(),
    priority: z.number().int().min(0).max(10).optional(),
    callbackUrl: httpUrl.optional(),
    replication: z.number().int().min(1).max(10).optional(),
    minConfidence: z.number().min(0).max(1).optional(),
    externalId: z.string().min(1).max(255).optional(),
    goldAnswer: z.unknown().optional(),
    /** Its project: the project's settings were filled in before this check (project-defaults.ts). */
    projectId: z.string().regex(/^prj_[0-9a-z]{26}$/, "is not a project id (prj_…)").optional(),
  })
  .strict();

export type TaskInput = z.input<typeof taskInputSchema>;

/** A validated task, ready to insert. */
export interface NewTask {
  type: TaskType;
  dataUrl: string | null;
  data: string | null;
  labelSpec: Record<string, unknown>;
  metadata: Record<string, unknown> | null;
  priority: number;
  callbackUrl: string | null;
  replication: number;
  minConfidence: number | null;
  externalId: string | null;
  goldAnswer: unknown;
  projectId: string | null;
}

/** Validates one task; problems carry paths under `prefix` (e.g. tasks[3]). */
export function checkTask(input: unknown, tier: Tier, prefix: PropertyKey[]): { task?: NewTask; problems: FieldProblem[] } {
  const parsed = taskInputSchema.safeParse(input);
  if (!parsed.success) return { problems: problemsOf(parsed.error, prefix) };
  const value = parsed.data;
  const at = (field: string) => [...prefix, field];
  const shared = checkSharedFields(value, tier, at);
  const data = checkData(value, at);
  const problems = [...shared.problems, ...data.problems];
  if (shared.spec && value.goldAnswer !== undefined) {
    const gold = TASK_TYPE_DEFINITIONS[value.type].answer(shared.spec, data.data).safeParse(value.goldAnswer);
    if (!gold.success) problems.push(...problemsOf(gold.error, at("goldAnswer")));
  }
  if (problems.length || !shared.spec) return { problems };
  return { problems, task: newTask(value, data.data, shared.spec, tier) };
}

/** What many tasks share: a job's type, spec and options. */
export type SharedTaskInput = Pick<z.output<typeof taskInputSchema>, "type" | "labelSpec" | "priority" | "callbackUrl" | "replication" | "minConfidence" | "projectId">;
/** A task's own fields when everything else is shared. */
export type OwnTaskInput = { dataUrl?: string; data?: string | Record<string, unknown>; metadata?: unknown };

const sharedFieldsSchema = taskInputSchema.pick({ type: true, labelSpec: true, priority: true, callbackUrl: true, replication: true, minConfidence: true, projectId: true });
const ownFieldsSchema = taskInputSchema.pick({ dataUrl: true, data: true, metadata: true });

/**
 * For many tasks that differ only in their data (a job's lines): the shared
 * fields are checked once, and `taskWith` checks each task's own. The tasks
 * share one label_spec object, so it is also serialized once per insert.
 */
export function checkTaskTemplate(
  input: SharedTaskInput,
  tier: Tier,
): { problems: FieldProblem[]; taskWith?: (own: OwnTaskInput) => { task?: NewTask; problems: FieldProblem[] } } {
  const parsed = sharedFieldsSchema.safeParse(input);
  if (!parsed.success) return { problems: problemsOf(parsed.error, []) };
  const shared = checkSharedFields(parsed.data, tier, (field) => [field]);
  const spec = shared.spec;
  if (!spec || shared.problems.length) return { problems: shared.problems };
  const taskWith = (own: OwnTaskInput) => {
    const ownParsed = ownFieldsSchema.safeParse(own);
    if (!ownParsed.success) return { problems: problemsOf(ownParsed.error, []) };
    const value = { ...parsed.data, ...ownParsed.data };
    const data = checkData(value, (field) => [field]);
    return data.problems.length ? { problems: data.problems } : { problems: [], task: newTask(value, data.data, spec, tier) };
  };
  return { problems: [], taskWith };
}

/** The spec against the type, and the replication against the tier. */
export function checkSharedFields(value: Pick<SharedTaskInput, "type" | "labelSpec" | "replication">, tier: Tier, at: (field: string) => PropertyKey[]) {
  const problems: FieldProblem[] = [];
  const spec = TASK_TYPE_DEFINITIONS[value.type].spec.safeParse(value.labelSpec);
  if (!spec.success) problems.push(...problemsOf(spec.error, at("labelSpec")));
  const limits = REPLICATION[tier];
  if (value.replication !== undefined && value.replication > limits.max) {
    problems.push(problemAt(at("replication"), `must be at most ${limits.max} for ${tier} keys`));
  }
  return { problems, spec: spec.success ? (spec.data as Record<string, unknown>) : undefined };
}

/**
 * An image is labeled by URL; text inline or by URL, one of the two; a JSON
 * type's object inline, checked against its shape and kept as its JSON text.
 * Returns the data to store.
 */
function checkData(value: { type: TaskType; dataUrl?: string; data?: string | Record<string, unknown> }, at: (field: string) => PropertyKey[]): { data: string | null; problems: FieldProblem[] } {
  const definition = TASK_TYPE_DEFINITIONS[value.type];
  const refused = (field: string, message: string) => ({ data: null, problems: [problemAt(at(field), message)] });
  if (definition.data === "image") {
    const problems = [
      ...(value.dataUrl ? [] : [problemAt(at("dataUrl"), `is required for ${value.type}`)]),
      ...(value.data === undefined ? [] : [problemAt(at("data"), `is not allowed for ${value.type}; use dataUrl`)]),
    ];
    return { data: null, problems };
  }
  if (definition.data === "json") {
    if (value.dataUrl !== undefined) return refused("dataUrl", `is not allowed for ${value.type}; give data inline`);
    if (value.data === undefined) return refused("data", `is required for ${value.type}`);
    let given: unknown = value.data;
    if (typeof given === "string") {
      try {
        given = JSON.parse(given);
      } catch {
        return refused("data", "must be a JSON object (or its JSON text)");
      }
    }
    const parsed = definition.dataSchema!.safeParse(given);
    if (!parsed.success) return { data: null, problems: problemsOf(parsed.error, at("data")) };
    const stored = JSON.stringify(parsed.data);
    if (stored.length > MAX_DATA_CHARACTERS) return refused("data", `must be at most ${MAX_DATA_CHARACTERS} characters as JSON`);
    return { data: stored, problems: [] };
  }
  if (typeof value.data === "object") return refused("data", `must be a string for ${value.type}`);
  if ((value.dataUrl === undefined) === (value.data === undefined)) {
    return refused("data", `give exactly one of data (inline text) or dataUrl for ${value.type}`);
  }
  return { data: value.data ?? null, problems: [] };
}

function newTask(value: Partial<z.output<typeof taskInputSchema>> & { type: TaskType }, data: string | null, labelSpec: Record<string, unknown>, tier: Tier): NewTask {
  return {
    type: value.type,
    dataUrl: value.dataUrl ?? null,
    data,
    labelSpec,
    metadata: (value.metadata as Record<string, unknown>) ?? null,
    priority: value.priority ?? DEFAULT_PRIORITY,
    callbackUrl: value.callbackUrl ?? null,
    replication: value.replication ?? REPLICATION[tier].default,
    minConfidence: value.minConfidence ?? null,
    externalId: value.externalId ?? null,
    goldAnswer: value.goldAnswer ?? null,
    projectId: value.projectId ?? null,
  };
}

export function problemAt(path: PropertyKey[], message: string): FieldProblem {
  return { path: formatPath(path), message };
}
