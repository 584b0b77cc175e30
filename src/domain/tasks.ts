// Tasks: submission (single and batch, quota-checked, deduplicated by
// external_id), reading, cancelling, and the documented JSON views.
import { transaction, type Tx } from "../db/transaction.js";
import { z } from "zod";
import type { Deps } from "../deps.js";
import type { Task } from "../generated/prisma/client.js";
import { Prisma } from "../generated/prisma/client.js";
import type { CustomerActor } from "./actors.js";
import { AppError, ConflictError, NotFoundError, ValidationError, type FieldProblem } from "./errors.js";
import { newId } from "./ids.js";
import { assertSafeTarget } from "./webhook-targets.js";
import { TASK_TYPES, TASK_TYPE_DEFINITIONS, type TaskType } from "./task-types.js";
import { formatPath, httpUrl, metadataObject, problemsOf } from "./validation.js";
import type { Tier } from "./api-keys.js";

export const TASK_STATUSES = ["pending", "in_progress", "completed", "failed", "canceled"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
const FINAL_STATUSES: TaskStatus[] = ["completed", "failed", "canceled"];

export const MAX_BATCH_SIZE = 10_000;
/** Batch items validated between two yields to the event loop. */
const VALIDATION_SLICE = 250;
export const DEFAULT_PRIORITY = 5;
/** Judgments per task: how many a tier gets by default and may ask for at most. */
export const REPLICATION = { sandbox: { default: 3, max: 3 }, live: { default: 3, max: 10 } } as const;

const taskInputSchema = z
  .object({
    type: z.enum(TASK_TYPES, { message: `must be one of ${TASK_TYPES.join(", ")}` }),
    data_url: httpUrl.optional(),
    data: z.string().min(1, "must not be empty").max(100_000, "must be at most 100000 characters").optional(),
    label_spec: z.custom<unknown>((value) => value !== undefined, "is required"),
    metadata: metadataObject.optional(),
    priority: z.number().int().min(0).max(10).optional(),
    callback_url: httpUrl.optional(),
    replication: z.number().int().min(1).max(10).optional(),
    min_confidence: z.number().min(0).max(1).optional(),
    external_id: z.string().min(1).max(255).optional(),
    gold_answer: z.unknown().optional(),
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
function checkTask(input: unknown, tier: Tier, prefix: PropertyKey[]): { task?: NewTask; problems: FieldProblem[] } {
  const parsed = taskInputSchema.safeParse(input);
  if (!parsed.success) return { problems: problemsOf(parsed.error, prefix) };
  const value = parsed.data;
  const definition = TASK_TYPE_DEFINITIONS[value.type];
  const problems: FieldProblem[] = [];
  const at = (path: string) => [...prefix, path];

  const spec = definition.spec.safeParse(value.label_spec);
  if (!spec.success) problems.push(...problemsOf(spec.error, at("label_spec")));

  if (definition.data === "image") {
    if (!value.data_url) problems.push(...problem(at("data_url"), `is required for ${value.type}`));
    if (value.data !== undefined) problems.push(...problem(at("data"), `is not allowed for ${value.type}; use data_url`));
  } else if ((value.data_url === undefined) === (value.data === undefined)) {
    problems.push(...problem(at("data"), `give exactly one of data (inline text) or data_url for ${value.type}`));
  }

  const limits = REPLICATION[tier];
  if (value.replication !== undefined && value.replication > limits.max) {
    problems.push(...problem(at("replication"), `must be at most ${limits.max} for ${tier} keys`));
  }

  if (spec.success && value.gold_answer !== undefined) {
    const gold = definition.answer(spec.data, value.data).safeParse(value.gold_answer);
    if (!gold.success) problems.push(...problemsOf(gold.error, at("gold_answer")));
  }
  if (problems.length) return { problems };
  return {
    problems,
    task: {
      type: value.type,
      dataUrl: value.data_url ?? null,
      data: value.data ?? null,
      labelSpec: spec.data as Record<string, unknown>,
      metadata: (value.metadata as Record<string, unknown>) ?? null,
      priority: value.priority ?? DEFAULT_PRIORITY,
      callbackUrl: value.callback_url ?? null,
      replication: value.replication ?? limits.default,
      minConfidence: value.min_confidence ?? null,
      externalId: value.external_id ?? null,
      goldAnswer: value.gold_answer ?? null,
    },
  };
}

function problem(path: PropertyKey[], message: string): FieldProblem[] {
  return [{ path: formatPath(path), message }];
}

export class QuotaExceededError extends AppError {
  constructor(requested: number, remaining: number) {
    super(
      "quota_exceeded",
      `this request needs ${requested} labels but only ${remaining} remain in your quota`,
      402,
      { requested, remaining },
    );
  }
}

/** POST /v1/tasks, submitTask. A repeated external_id returns the existing task. */
export async function submitTask(deps: Deps, actor: CustomerActor, input: unknown): Promise<Task> {
  const { task, problems } = checkTask(input, actor.tier, []);
  if (!task) throw new ValidationError(`${problems[0].path}: ${problems[0].message}`, problems);
  await assertSafeCallbackUrls(deps, [task], () => "callback_url");
  const { created, existing } = await insertTasks(deps, actor, [task], null);
  if (created) await publishTaskStatus(deps, created);
  return created ?? existing[0];
}

export interface BatchSubmission {
  batchId: string;
  taskCount: number;
  /** Items whose external_id already existed: not created again. */
  duplicateCount: number;
  status: "accepted";
}

/** POST /v1/tasks/batch, submitBatch. All-or-nothing: one bad item rejects the batch. */
export async function submitBatch(deps: Deps, actor: CustomerActor, input: unknown): Promise<BatchSubmission> {
  const body = z.object({ tasks: z.array(z.unknown()) }).strict().safeParse(input);
  if (!body.success) {
    const problems = problemsOf(body.error);
    throw new ValidationError(`${problems[0].path}: ${problems[0].message}`, problems);
  }
  const items = body.data.tasks;
  if (items.length === 0) throw new ValidationError("tasks: needs at least one task", [{ path: "tasks", message: "needs at least one task" }]);
  if (items.length > MAX_BATCH_SIZE) {
    throw new AppError("batch_too_large", `a batch holds at most ${MAX_BATCH_SIZE} tasks; this one has ${items.length}`, 413, {
      max_batch_size: MAX_BATCH_SIZE,
    });
  }
  const tasks: NewTask[] = [];
  const problems: FieldProblem[] = [];
  const seenExternalIds = new Map<string, number>();
  for (const [index, item] of items.entries()) {
    // Validating 10,000 tasks takes a while: let other requests run in between.
    if (index > 0 && index % VALIDATION_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
    const checked = checkTask(item, actor.tier, ["tasks", index]);
    problems.push(...checked.problems);
    if (!checked.task) continue;
    const externalId = checked.task.externalId;
    if (externalId !== null) {
      const first = seenExternalIds.get(externalId);
      if (first !== undefined) problems.push(...problem(["tasks", index, "external_id"], `repeats tasks[${first}].external_id`));
      else seenExternalIds.set(externalId, index);
    }
    tasks.push(checked.task);
  }
  if (problems.length) {
    const invalid = new Set(problems.map((p) => p.path.match(/^tasks\[(\d+)\]/)?.[1])).size;
    throw new ValidationError(`${invalid} of ${items.length} tasks are invalid; nothing was created`, problems);
  }
  await assertSafeCallbackUrls(deps, tasks, (index) => `tasks[${index}].callback_url`);
  const batchId = newId("bat");
  const { createdCount, existing } = await insertTasks(deps, actor, tasks, batchId);
  return { batchId, taskCount: createdCount, duplicateCount: existing.length, status: "accepted" };
}

/**
 * A task's callback_url gets its events like a webhook does, so it is refused
 * up front when it resolves to a private address (each distinct host once).
 */
async function assertSafeCallbackUrls(deps: Pick<Deps, "config">, tasks: NewTask[], pathOf: (index: number) => string) {
  const firstUse = new Map<string, { url: URL; index: number }>();
  tasks.forEach((task, index) => {
    if (task.callbackUrl === null) return;
    const url = new URL(task.callbackUrl);
    if (!firstUse.has(url.hostname)) firstUse.set(url.hostname, { url, index });
  });
  for (const { url, index } of firstUse.values()) {
    try {
      await assertSafeTarget(url, deps.config.allowPrivateWebhookTargets);
    } catch (error) {
      if (error instanceof AppError) {
        throw new AppError(error.code, `${pathOf(index)}: ${error.message.replace(/^callback_url /, "")}`, error.status, { path: pathOf(index) });
      }
      throw error;
    }
  }
}

/**
 * Inserts tasks and charges the quota in one transaction. The conditional
 * UPDATE is the quota check: concurrent submissions cannot oversell.
 */
async function insertTasks(deps: Deps, actor: CustomerActor, tasks: NewTask[], batchId: string | null) {
  const externalIds = tasks.map((t) => t.externalId).filter((id): id is string => id !== null);
  try {
    return await transaction(deps.prisma, async (tx) => {
      const existing = externalIds.length
        ? await tx.task.findMany({ where: { customerId: actor.customerId, externalId: { in: externalIds } } })
        : [];
      const known = new Set(existing.map((t) => t.externalId));
      const fresh = tasks.filter((t) => t.externalId === null || !known.has(t.externalId));
      const billable = fresh.filter((t) => t.goldAnswer === null).length;
      if (billable > 0) {
        const charged = await tx.$executeRaw`
          UPDATE customers SET labels_used = labels_used + ${billable}, updated_at = now()
          WHERE id = ${actor.customerId} AND labels_used + ${billable} <= label_quota`;
        if (charged === 0) {
          const customer = await tx.customer.findUniqueOrThrow({ where: { id: actor.customerId } });
          throw new QuotaExceededError(billable, Math.max(0, customer.labelQuota - customer.labelsUsed));
        }
      }
      if (batchId !== null) {
        await tx.batch.create({
          data: { id: batchId, customerId: actor.customerId, taskCount: fresh.length, status: fresh.length ? "pending" : "completed" },
        });
      }
      const rows = fresh.map((t) => ({
        id: newId("tsk"),
        customer_id: actor.customerId,
        batch_id: batchId,
        type: t.type,
        data_url: t.dataUrl,
        data: t.data,
        label_spec: t.labelSpec,
        metadata: t.metadata ?? null,
        priority: t.priority,
        callback_url: t.callbackUrl,
        replication: t.replication,
        min_confidence: t.minConfidence,
        external_id: t.externalId,
        gold_answer: t.goldAnswer,
        billable: t.goldAnswer === null,
        workforce: actor.tier === "sandbox" ? "simulated" : "human",
        target_judgments: t.replication,
      }));
      await insertTaskRows(tx, rows);
      const created = rows.length === 1 && batchId === null ? await tx.task.findUniqueOrThrow({ where: { id: rows[0].id } }) : undefined;
      return { created, createdCount: rows.length, existing };
    });
  } catch (error) {
    // Two requests racing with the same new external_id: the loser learns which task won.
    if (isUniqueViolation(error)) {
      throw new ConflictError("external_id_conflict", "a task with this external_id was created concurrently; retry to get it");
    }
    throw error;
  }
}

/**
 * One statement for any number of rows: the rows travel as one JSON parameter
 * and PostgreSQL unpacks them (Prisma's createMany took 12 s for 10,000 rows).
 */
async function insertTaskRows(tx: Tx, rows: Record<string, unknown>[]) {
  if (rows.length === 0) return;
  await tx.$executeRaw`
    INSERT INTO tasks (id, customer_id, batch_id, type, status, data_url, data, label_spec, metadata, priority, callback_url,
                       replication, min_confidence, external_id, gold_answer, billable, workforce, target_judgments, updated_at)
    SELECT id, customer_id, batch_id, type, 'pending', data_url, data, label_spec, NULLIF(metadata, 'null'), priority, callback_url,
           replication, min_confidence, external_id, NULLIF(gold_answer, 'null'), billable, workforce, target_judgments, now()
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(
      id text, customer_id text, batch_id text, type text, data_url text, data text, label_spec jsonb, metadata jsonb,
      priority int, callback_url text, replication int, min_confidence float8, external_id text, gold_answer jsonb,
      billable boolean, workforce text, target_judgments int)`;
}

function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  const cause = (error.meta as { driverAdapterError?: { cause?: { originalCode?: string } } } | undefined)?.driverAdapterError?.cause;
  return error.code === "P2002" || cause?.originalCode === "23505";
}

/** The caller's task, or 404 (also for other customers' tasks: never 403). */
export async function getTask(deps: Pick<Deps, "prisma">, actor: CustomerActor, taskId: string): Promise<Task> {
  const task = await deps.prisma.task.findFirst({ where: { id: taskId, customerId: actor.customerId } });
  if (!task) throw new NotFoundError(`task ${taskId}`);
  return task;
}

/** Cancels a task that has not been completed; its label goes back to the quota. */
export async function cancelTask(deps: Deps, actor: CustomerActor, taskId: string): Promise<Task> {
  const task = await transaction(deps.prisma, async (tx) => {
    const current = await tx.task.findFirst({ where: { id: taskId, customerId: actor.customerId } });
    if (!current) throw new NotFoundError(`task ${taskId}`);
    if (isFinal(current.status)) {
      throw new ConflictError("task_not_cancelable", `task ${taskId} is already ${current.status}`);
    }
    const updated = await tx.task.updateMany({
      where: { id: taskId, status: current.status },
      data: { status: "canceled", completedAt: new Date() },
    });
    if (updated.count === 0) throw new ConflictError("task_not_cancelable", `task ${taskId} changed status; try again`);
    if (current.billable) {
      await tx.customer.update({ where: { id: actor.customerId }, data: { labelsUsed: { decrement: 1 } } });
    }
    return tx.task.findUniqueOrThrow({ where: { id: taskId } });
  });
  await publishTaskStatus(deps, task);
  return task;
}

export async function publishTaskStatus(deps: Pick<Deps, "pubsub">, task: Pick<Task, "id" | "customerId" | "batchId" | "status">) {
  deps.pubsub.publish("customer:tasks", task.customerId, {
    taskId: task.id,
    customerId: task.customerId,
    batchId: task.batchId,
    status: task.status,
  });
}

export interface TaskFilter {
  status?: TaskStatus;
  type?: TaskType;
  batchId?: string;
}

/** The where clause for a customer's tasks: tenant isolation is not optional. */
export function taskScope(actor: CustomerActor, filter: TaskFilter = {}): Prisma.TaskWhereInput {
  return {
    customerId: actor.customerId,
    ...(filter.status ? { status: filter.status } : {}),
    ...(filter.type ? { type: filter.type } : {}),
    ...(filter.batchId ? { batchId: filter.batchId } : {}),
  };
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** GET /v1/tasks/{id} body (also the webhook payload's data). */
export function taskView(task: Task) {
  return {
    task_id: task.id,
    status: task.status,
    task_type: task.type,
    data_url: task.dataUrl,
    ...(task.data !== null ? { data: task.data } : {}),
    label_spec: task.labelSpec,
    metadata: task.metadata ?? null,
    priority: task.priority,
    replication: task.replication,
    callback_url: task.callbackUrl,
    external_id: task.externalId,
    batch_id: task.batchId,
    gold: !task.billable,
    created_at: iso(task.createdAt),
    updated_at: iso(task.updatedAt),
    completed_at: iso(task.completedAt),
    ...(task.failureReason ? { failure_reason: task.failureReason } : {}),
  };
}

/**
 * GET /v1/tasks/{id}/result: 202 with the status while in progress; 200 once
 * final — with the result when completed, without one when failed or canceled.
 */
export function taskResultView(task: Task): { status: 200 | 202; body: Record<string, unknown> } {
  const base = { task_id: task.id, status: task.status, task_type: task.type };
  if (!isFinal(task.status)) {
    return { status: 202, body: { ...base, judgments: task.judgmentCount, replication: task.replication } };
  }
  if (task.status !== "completed") {
    const failure = task.failureReason ? { failure_reason: task.failureReason } : {};
    return { status: 200, body: { ...base, result: null, ...failure, judgments: task.judgmentCount, completed_at: iso(task.completedAt) } };
  }
  return {
    status: 200,
    body: {
      ...base,
      result: task.result,
      confidence: task.confidence,
      judgments: task.judgmentCount,
      completed_at: iso(task.completedAt),
      // How the result was reached: the method, each vote and how reliable its annotator was.
      aggregation: task.aggregation ?? null,
    },
  };
}

export function isFinal(status: string): boolean {
  return FINAL_STATUSES.includes(status as TaskStatus);
}

/** A customer's tasks, newest first by default; `query` carries the GraphQL selection and cursor. */
export function listTasks(
  deps: Pick<Deps, "prisma">,
  actor: CustomerActor,
  filter: TaskFilter,
  order: "newest_first" | "oldest_first",
  query: { take?: number; skip?: number; cursor?: Prisma.TaskWhereUniqueInput; include?: Prisma.TaskInclude; select?: Prisma.TaskSelect },
) {
  return deps.prisma.task.findMany({
    ...query,
    where: taskScope(actor, filter),
    orderBy: { id: order === "oldest_first" ? "asc" : "desc" },
  } as Prisma.TaskFindManyArgs);
}
