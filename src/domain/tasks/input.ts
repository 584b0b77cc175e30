// What a customer submits as a task, in the domain's camelCase (the REST
// adapter maps the documented snake_case onto it), checked against its type.
import { z } from "zod";
import type { Tier } from "../shared/index.js";
import { formatPath, httpUrl, metadataObject, problemsOf, type FieldProblem } from "../shared/index.js";
import { TASK_TYPE_DEFINITIONS, TASK_TYPES, type TaskType } from "./types/index.js";

const DEFAULT_PRIORITY = 5;
/** Judgments per task: how many a tier gets by default and may ask for at most. */
const REPLICATION = { sandbox: { default: 3, max: 3 }, live: { default: 3, max: 10 } } as const;

export const taskInputSchema = z
  .object({
    type: z.enum(TASK_TYPES, { message: `must be one of ${TASK_TYPES.join(", ")}` }),
    dataUrl: httpUrl.optional(),
    data: z.string().min(1, "must not be empty").max(100_000, "must be at most 100000 characters").optional(),
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
}

/** Validates one task; problems carry paths under `prefix` (e.g. tasks[3]). */
export function checkTask(input: unknown, tier: Tier, prefix: PropertyKey[]): { task?: NewTask; problems: FieldProblem[] } {
  const parsed = taskInputSchema.safeParse(input);
  if (!parsed.success) return { problems: problemsOf(parsed.error, prefix) };
  const value = parsed.data;
  const definition = TASK_TYPE_DEFINITIONS[value.type];
  const problems: FieldProblem[] = [];
  const at = (field: string) => [...prefix, field];

  const spec = definition.spec.safeParse(value.labelSpec);
  if (!spec.success) problems.push(...problemsOf(spec.error, at("labelSpec")));

  if (definition.data === "image") {
    if (!value.dataUrl) problems.push(problemAt(at("dataUrl"), `is required for ${value.type}`));
    if (value.data !== undefined) problems.push(problemAt(at("data"), `is not allowed for ${value.type}; use dataUrl`));
  } else if ((value.dataUrl === undefined) === (value.data === undefined)) {
    problems.push(problemAt(at("data"), `give exactly one of data (inline text) or dataUrl for ${value.type}`));
  }

  const limits = REPLICATION[tier];
  if (value.replication !== undefined && value.replication > limits.max) {
    problems.push(problemAt(at("replication"), `must be at most ${limits.max} for ${tier} keys`));
  }

  if (spec.success && value.goldAnswer !== undefined) {
    const gold = definition.answer(spec.data, value.data).safeParse(value.goldAnswer);
    if (!gold.success) problems.push(...problemsOf(gold.error, at("goldAnswer")));
  }
  if (problems.length) return { problems };
  return {
    problems,
    task: {
      type: value.type,
      dataUrl: value.dataUrl ?? null,
      data: value.data ?? null,
      labelSpec: spec.data as Record<string, unknown>,
      metadata: (value.metadata as Record<string, unknown>) ?? null,
      priority: value.priority ?? DEFAULT_PRIORITY,
      callbackUrl: value.callbackUrl ?? null,
      replication: value.replication ?? limits.default,
      minConfidence: value.minConfidence ?? null,
      externalId: value.externalId ?? null,
      goldAnswer: value.goldAnswer ?? null,
    },
  };
}

export function problemAt(path: PropertyKey[], message: string): FieldProblem {
  return { path: formatPath(path), message };
}
