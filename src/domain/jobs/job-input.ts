// What a customer asks of a job, and how each manifest line becomes a task:
// {"source-ref": "s3://…"} or {"data_url": "…"} label a file by URL,
// {"source": "text"} labels inline text ({"source": {…}} a JSON type's object,
// such as a pairwise_preference's prompt and responses); other keys ride along
// to the export.
import { z } from "zod";
import type { Job } from "../../generated/prisma/client.js";
import { httpUrl, unstorableInput, type FieldProblem, type Tier } from "../shared/index.js";
import { checkTaskTemplate, TASK_TYPE_DEFINITIONS, TASK_TYPES, type NewTask, type SharedTaskInput, type TaskType } from "../tasks/index.js";
import { isS3Url, objectUrl, type S3Credentials } from "./manifest.js";

const credentialsSchema = z
  .object({
    accessKeyId: z.string().min(1, "must not be empty").max(128),
    secretAccessKey: z.string().min(1, "must not be empty").max(256),
    sessionToken: z.string().min(1).max(4096).optional(),
    region: z.string().regex(/^[a-z0-9-]{2,32}$/, "must be an AWS region such as us-east-1").default("us-east-1"),
  })
  .strict();

export const jobInputSchema = z
  .object({
    manifestUrl: z
      .string()
      .max(2048, "must be at most 2048 characters")
      .refine((value) => isS3Url(value) || httpUrl.safeParse(value).success, "must be s3://bucket/key or an http(s):// URL"),
    labelSpec: z
      .custom<unknown>((value) => value !== undefined, "is required")
      .meta({ type: "object", description: "Type-specific: question and options, classes, or entity_types." }),
    s3Credentials: credentialsSchema.optional(),
    type: z.enum(TASK_TYPES, { message: `must be one of ${TASK_TYPES.join(", ")}` }).optional(),
    replication: z.number().int().min(1).max(10).optional(),
    priority: z.number().int().min(0).max(10).optional(),
    callbackUrl: httpUrl.optional(),
    /** Its project: the project's type, label_spec, replication and priority fill in what the job does not say. */
    projectId: z.string().regex(/^prj_[0-9a-z]{26}$/, "is not a project id (prj_…)").optional(),
  })
  .strict();

export type JobInput = z.output<typeof jobInputSchema>;
export type { S3Credentials };

/** What a line labels: a file by URL, inline text, or an inline object. */
type DataKind = "url" | "text" | "object";

/**
 * The type a line's task gets when the job names none: from the label_spec's
 * shape, and for single-choice questions from the data (a URL is an image).
 */
export function inferTaskType(labelSpec: unknown, data: DataKind): TaskType | undefined {
  const spec = (labelSpec ?? {}) as Record<string, unknown>;
  if ("classes" in spec) return "bounding_box";
  if ("entity_types" in spec) return "named_entity";
  if ("criteria" in spec) return "rating";
  if ("min" in spec || "max" in spec) return "multi_label_classification";
  if ("keypoints" in spec) return "keypoints";
  if ("allow_tie" in spec || "strength_labels" in spec || "require_reason" in spec) return "pairwise_preference";
  if ("options" in spec) return data === "url" ? "image_classification" : "text_classification";
  if (data === "object") return "pairwise_preference";
  return undefined;
}

/** The label_spec must fit the job's type (or the type its shape implies). */
export function labelSpecProblem(input: JobInput): string | undefined {
  const type = input.type ?? inferTaskType(input.labelSpec, "url");
  if (!type) return "needs options, classes, entity_types, criteria, keypoints or strength_labels (or give type)";
  const parsed = TASK_TYPE_DEFINITIONS[type].spec.safeParse(input.labelSpec);
  return parsed.success ? undefined : `${parsed.error.issues[0].path.join(".") || "(spec)"}: ${parsed.error.issues[0].message}`;
}

export type LineOutcome = { task: NewTask; manifestLine: string } | { problem: string };

/** The keys that say what a line labels: exactly one of them. */
const SOURCE_KEYS = ["source-ref", "source", "data_url"] as const;
const UNKNOWN_SHAPE = "unknown shape: give exactly one of source-ref, source or data_url";

/**
 * How a job's manifest lines become tasks: one line → the task it asks for
 * (and the line's JSON text, kept for the export), or why it cannot be one.
 * What the lines share (type, spec, options) is checked once per job.
 */
export function lineReader(job: Job, tier: Tier, options: { s3Endpoint?: string; maxLineBytes: number }): (text: string | null) => LineOutcome {
  const templates = new Map<TaskType | undefined, ReturnType<typeof checkTaskTemplate>>();
  const templateFor = (type: TaskType | undefined) => {
    let template = templates.get(type);
    if (!template) {
      const shared = {
        type,
        labelSpec: job.labelSpec,
        ...(job.replication !== null ? { replication: job.replication } : {}),
        ...(job.priority !== null ? { priority: job.priority } : {}),
        ...(job.callbackUrl !== null ? { callbackUrl: job.callbackUrl } : {}),
        ...(job.projectId !== null ? { projectId: job.projectId } : {}),
      };
      templates.set(type, (template = checkTaskTemplate(shared as SharedTaskInput, tier)));
    }
    return template;
  };
  return (text) => {
    if (text === null) return { problem: `line is longer than ${options.maxLineBytes} bytes` };
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return { problem: "not valid JSON" };
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) return { problem: "not a JSON object" };
    // Only an escape can put in what PostgreSQL cannot store (a raw NUL is not JSON); most lines have none.
    const unstorable = text.includes("\\u") ? unstorableInput(value) : undefined;
    if (unstorable) return { problem: unstorable };
    const line = value as Record<string, unknown>;
    let source: (typeof SOURCE_KEYS)[number] | undefined;
    for (const key of SOURCE_KEYS) {
      if (line[key] === undefined) continue;
      if (source) return { problem: UNKNOWN_SHAPE };
      source = key;
    }
    if (!source) return { problem: UNKNOWN_SHAPE };
    const given = line[source];
    const isObject = source === "source" && given !== null && typeof given === "object" && !Array.isArray(given);
    if (typeof given !== "string" && !isObject) return { problem: `${source}: must be a string${source === "source" ? " or an object" : ""}` };

    const url = given as string;
    const dataUrl = source === "source-ref" ? (isS3Url(url) ? objectUrl(url, "us-east-1", options.s3Endpoint).href : url) : source === "data_url" ? url : undefined;
    const type = (job.type as TaskType | null) ?? inferTaskType(job.labelSpec, dataUrl !== undefined ? "url" : isObject ? "object" : "text");
    const template = templateFor(type);
    const data = given as string | Record<string, unknown>;
    const checked: { task?: NewTask; problems: FieldProblem[] } = template.taskWith
      ? template.taskWith({ ...(dataUrl !== undefined ? { dataUrl } : { data }), ...(line.metadata !== undefined ? { metadata: line.metadata } : {}) })
      : template;
    if (!checked.task) {
      const [first] = checked.problems;
      const field = first.path === "dataUrl" ? (source === "source-ref" ? source : "data_url") : /^data(\.|\[|$)/.test(first.path) ? first.path.replace(/^data/, "source") : first.path;
      return { problem: `${field}: ${first.message}` };
    }
    return { task: checked.task, manifestLine: text };
  };
}
