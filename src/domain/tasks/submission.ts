// Submitting tasks, one or a batch: validated against their types, the
// callback_url checked against SSRF, deduplicated by externalId, and inserted
// with the quota charged in one transaction.
import { z } from "zod";
import { transaction, type Tx } from "../../db/transaction.js";
import type { Deps } from "../../deps.js";
import { Prisma, type Task } from "../../generated/prisma/client.js";
import { AppError, ConflictError, newId, problemsOf, ValidationError, type CustomerActor, type FieldProblem } from "../shared/index.js";
import { assertSafeTarget } from "../webhooks/index.js";
import { checkTask, problemAt, type NewTask } from "./input.js";
import { publishTaskStatus } from "./lifecycle.js";
import { chargeQuota, workforceOf } from "./quota.js";

const MAX_BATCH_SIZE = 10_000;
/** Batch items validated between two yields to the event loop. */
const VALIDATION_SLICE = 250;

/** POST /v1/tasks, submitTask. A repeated externalId returns the existing task. */
export async function submitTask(deps: Deps, actor: CustomerActor, input: unknown): Promise<Task> {
  const { task, problems } = checkTask(input, actor.environment, []);
  if (!task) throw ValidationError.of(problems);
  await assertSafeCallbackUrls(deps, [task], () => "callbackUrl");
  const { created, existing } = await insertTasks(deps, actor, [task], null);
  if (created) await publishTaskStatus(deps, created);
  return created ?? existing[0];
}

export interface BatchSubmission {
  batchId: string;
  taskCount: number;
  /** Items whose externalId already existed: not created again. */
  duplicateCount: number;
  status: "accepted";
  /** The task of each item, in input order. */
  taskIds: string[];
}

/** POST /v1/tasks/batch, submitBatch. All-or-nothing: one bad item rejects the batch. */
export async function submitBatch(deps: Deps, actor: CustomerActor, input: unknown): Promise<BatchSubmission> {
  const body = z.object({ tasks: z.array(z.unknown()) }).strict().safeParse(input);
  if (!body.success) throw ValidationError.of(problemsOf(body.error));
  const items = body.data.tasks;
  if (items.length === 0) throw ValidationError.of([{ path: "tasks", message: "needs at least one task" }]);
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
    const checked = checkTask(item, actor.environment, ["tasks", index]);
    problems.push(...checked.problems);
    if (!checked.task) continue;
    const externalId = checked.task.externalId;
    if (externalId !== null) {
      const first = seenExternalIds.get(externalId);
      if (first !== undefined) problems.push(problemAt(["tasks", index, "externalId"], `repeats tasks[${first}].externalId`));
      else seenExternalIds.set(externalId, index);
    }
    tasks.push(checked.task);
  }
  if (problems.length) {
    const invalid = new Set(problems.map((p) => p.path.match(/^tasks\[(\d+)\]/)?.[1])).size;
    throw new ValidationError(`${invalid} of ${items.length} tasks are invalid; nothing was created`, problems);
  }
  await assertSafeCallbackUrls(deps, tasks, (index) => `tasks[${index}].callbackUrl`);
  const batchId = newId("bat");
  const { createdCount, existing, taskIds } = await insertTasks(deps, actor, tasks, batchId);
  return { batchId, taskCount: createdCount, duplicateCount: existing.length, status: "accepted", taskIds };
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
  for (const { url, index } of firstUse.values()) await assertSafeTarget(url, deps.config.allowPrivateWebhookTargets, pathOf(index));
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
      const existingIds = new Map(existing.map((t) => [t.externalId, t.id]));
      const fresh = tasks.filter((t) => t.externalId === null || !existingIds.has(t.externalId));
      const billable = fresh.filter((t) => t.goldAnswer === null).length;
      if (billable > 0) await chargeQuota(tx, actor.customerId, actor.environment, billable);
      if (batchId !== null) {
        await tx.batch.create({
          data: { id: batchId, customerId: actor.customerId, taskCount: fresh.length, status: fresh.length ? "pending" : "completed" },
        });
      }
      const rows = fresh.map((t) => taskRow(actor, t, { batchId }));
      await insertTaskRows(tx, rows);
      // Input order: a repeated externalId stands for the task that has it.
      const freshIds = rows.map((row) => row.id);
      const taskIds = tasks.map((t) => (t.externalId !== null && existingIds.get(t.externalId)) || freshIds.shift()!);
      const created = rows.length === 1 && batchId === null ? await tx.task.findUniqueOrThrow({ where: { id: rows[0].id } }) : undefined;
      return { created, createdCount: rows.length, existing, taskIds };
    });
  } catch (error) {
    // Two requests racing with the same new externalId: the loser learns which task won.
    if (isUniqueViolation(error)) {
      throw new ConflictError("external_id_conflict", "a task with this externalId was created concurrently; retry to get it");
    }
    throw error;
  }
}

/** Where a new task belongs: a batch, or a job's manifest line. */
export interface TaskPlacement {
  batchId?: string | null;
  job?: { id: string; line: number; manifestLine: unknown };
}

export type TaskRow = ReturnType<typeof taskRow>;

export function taskRow(actor: CustomerActor, t: NewTask, placement: TaskPlacement = {}) {
  return {
    id: newId("tsk"),
    customer_id: actor.customerId,
    batch_id: placement.batchId ?? null,
    job_id: placement.job?.id ?? null,
    job_line: placement.job?.line ?? null,
    manifest_line: placement.job?.manifestLine ?? null,
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
    workforce: workforceOf(actor.environment),
    target_judgments: t.replication,
  };
}

/** The columns insertTaskRows writes, with their SQL types. */
const TASK_ROW_COLUMNS: [keyof TaskRow, string][] = [
  ["id", "text"], ["customer_id", "text"], ["batch_id", "text"], ["job_id", "text"], ["job_line", "int"], ["manifest_line", "jsonb"],
  ["type", "text"], ["data_url", "text"], ["data", "text"], ["label_spec", "jsonb"], ["metadata", "jsonb"], ["priority", "int"],
  ["callback_url", "text"], ["replication", "int"], ["min_confidence", "float8"], ["external_id", "text"], ["gold_answer", "jsonb"],
  ["billable", "boolean"], ["workforce", "text"], ["target_judgments", "int"],
];

/**
 * One statement for any number of rows (Prisma's createMany took 12 s for
 * 10,000 rows). A column that differs between rows travels as one array
 * parameter that PostgreSQL unnests; a column that is the same in every row
 * (a job's customer, spec, type…) as one value, which halved the bytes to
 * serialize and parse. A job's line that already has its task is skipped.
 * Returns the rows inserted.
 */
export async function insertTaskRows(tx: Tx, rows: TaskRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  // A job's rows share one label_spec object: serialized once.
  const serialized = new Map<unknown, string>();
  const encode = (value: unknown, type: string) => {
    if (value === null || value === undefined || type !== "jsonb") return value ?? null;
    let text = serialized.get(value);
    if (text === undefined) serialized.set(value, (text = JSON.stringify(value)));
    return text;
  };
  const columns = TASK_ROW_COLUMNS.map(([name, type]) => {
    const values = rows.map((row) => encode(row[name], type));
    // The id is always unnested: it gives the rows their number.
    return { name, type, values, same: name !== "id" && values.every((value) => value === values[0]) };
  });
  const varying = columns.filter((column) => !column.same);
  const selected = columns.map((column) => (column.same ? Prisma.sql`${column.values[0]}::${Prisma.raw(column.type)}` : Prisma.raw(`r.${column.name}`)));
  return tx.$executeRaw`
    INSERT INTO tasks (${Prisma.raw(columns.map((column) => column.name).join(", "))}, status, updated_at)
    SELECT ${Prisma.join(selected)}, 'pending', now()
    FROM unnest(${Prisma.join(varying.map((column) => Prisma.sql`${column.values}::${Prisma.raw(column.type)}[]`))})
      AS r(${Prisma.raw(varying.map((column) => column.name).join(", "))})
    ON CONFLICT (job_id, job_line) DO NOTHING`;
}

function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  const cause = (error.meta as { driverAdapterError?: { cause?: { originalCode?: string } } } | undefined)?.driverAdapterError?.cause;
  return error.code === "P2002" || cause?.originalCode === "23505";
}
