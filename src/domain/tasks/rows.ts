// A task as a row of the tasks table, and the one statement that inserts any
// number of them (submission, batches, group commit, job ingestion).
import type { Tx } from "../../db/transaction.js";
import { Prisma } from "../../generated/prisma/client.js";
import { newId, type CustomerActor } from "../shared/index.js";
import type { NewTask } from "./input.js";
import { workforceOf } from "./quota.js";

/** Where a new task belongs: a batch, or a job's manifest line. */
export interface TaskPlacement {
  batchId?: string | null;
  /** manifestLine: the line's JSON text, stored as read. */
  job?: { id: string; line: number; manifestLine: string };
}

export type TaskRow = ReturnType<typeof taskRow>;

/** Every column of a task, as Prisma's Task names them (each field maps to its snake_case column): what raw reads select. */
export function taskColumnsOf(alias?: string): string {
  return Object.values(Prisma.TaskScalarFieldEnum)
    .map((field) => `${alias ? `${alias}.` : ""}${field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)} AS "${field}"`)
    .join(", ");
}
export const TASK_COLUMNS = taskColumnsOf();

export function taskRow(actor: CustomerActor, t: NewTask, placement: TaskPlacement = {}) {
  return {
    id: newId("tsk"),
    customer_id: actor.customerId,
    environment: actor.environment,
    batch_id: placement.batchId ?? null,
    job_id: placement.job?.id ?? null,
    project_id: t.projectId,
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
export const TASK_ROW_COLUMNS: [keyof TaskRow, string][] = [
  ["id", "text"], ["customer_id", "text"], ["environment", "text"], ["batch_id", "text"], ["job_id", "text"], ["project_id", "text"], ["job_line", "int"], ["manifest_line", "jsonb"],
  ["type", "text"], ["data_url", "text"], ["data", "text"], ["label_spec", "jsonb"], ["metadata", "jsonb"], ["priority", "int"],
  ["callback_url", "text"], ["replication", "int"], ["min_confidence", "float8"], ["external_id", "text"], ["gold_answer", "jsonb"],
  ["billable", "boolean"], ["workforce", "text"], ["target_judgments", "int"],
];

/**
 * How an insert of unnested rows `r` takes each task's work team from its
 * project `p`: the task records the team, and the team's people label it
 * (sandbox or live) rather than the row's workforce.
 */
export const PROJECT_TEAM_JOIN = "LEFT JOIN projects p ON p.id = r.project_id";
export const TEAM_WORKFORCE = "CASE WHEN p.work_team_id IS NULL THEN r.workforce ELSE 'human' END";
const UNNESTED = new Set<keyof TaskRow>(["id", "project_id", "workforce"]);

/** Columns whose row value is JSON text already (a manifest line as read). */
const JSON_TEXT_COLUMNS = new Set<keyof TaskRow>(["manifest_line"]);

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
  const columns = columnValues(rows).map((column) => ({
    ...column,
    // The id is always unnested: it gives the rows their number (and the team's columns read r.project_id, r.workforce).
    same: !UNNESTED.has(column.name) && column.values.every((value) => value === column.values[0]),
  }));
  const varying = columns.filter((column) => !column.same);
  const selected = columns.map((column) =>
    column.name === "workforce" ? Prisma.raw(TEAM_WORKFORCE) : column.same ? Prisma.sql`${column.values[0]}::${Prisma.raw(column.type)}` : Prisma.raw(`r.${column.name}`),
  );
  return tx.$executeRaw`
    INSERT INTO tasks (${Prisma.raw(columns.map((column) => column.name).join(", "))}, work_team_id, status, updated_at)
    SELECT ${Prisma.join(selected)}, p.work_team_id, 'pending', now()
    FROM unnest(${Prisma.join(varying.map((column) => Prisma.sql`${column.values}::${Prisma.raw(column.type)}[]`))})
      AS r(${Prisma.raw(varying.map((column) => column.name).join(", "))})
      ${Prisma.raw(PROJECT_TEAM_JOIN)}
    ON CONFLICT (job_id, job_line) WHERE job_id IS NOT NULL DO NOTHING`;
}

/** Each column's values over the rows, in TASK_ROW_COLUMNS order; JSON as text, an object shared by rows (a job's spec) serialized once. */
export function columnValues(rows: TaskRow[]) {
  const serialized = new Map<unknown, string>();
  const encode = (value: unknown, name: keyof TaskRow, type: string) => {
    if (value === null || value === undefined || type !== "jsonb" || JSON_TEXT_COLUMNS.has(name)) return value ?? null;
    let text = serialized.get(value);
    if (text === undefined) serialized.set(value, (text = JSON.stringify(value)));
    return text;
  };
  return TASK_ROW_COLUMNS.map(([name, type]) => ({ name, type, values: rows.map((row) => encode(row[name], name, type)) }));
}
