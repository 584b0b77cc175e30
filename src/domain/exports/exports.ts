// Exports: any subset of a customer environment's tasks (by project, batch,
// job, status, type, created and completed ranges) in a training format. An
// export is built in the background into chunks of the database (any process
// serves its download; memory stays flat however many tasks it holds); the
// building process holds a lease, and when it dies another takes the export
// over and builds it again. The same writers also stream small exports
// straight into a response (GET /v1/tasks/export).
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { queryRows } from "../../db/database.js";
import { sqlTransaction, transaction } from "../../db/transaction.js";
import type { Deps } from "../../deps.js";
import { Prisma, type Export } from "../../generated/prisma/client.js";
import { assertAllowed } from "../accounts/index.js";
import { auditCustomerChange } from "../audit/index.js";
import { exportView } from "../representations/index.js";
import { ConflictError, newId, NotFoundError, parseInput, tenantOf, type CustomerActor, type Tenant } from "../shared/index.js";
import { TASK_STATUSES, TASK_TYPES, taskColumnsOf } from "../tasks/index.js";
import { recordEvent } from "../webhooks/index.js";
import { EXPORT_FORMAT_NAMES, EXPORT_FORMATS, type ExportFormat, type ExportFormatName, type ExportJudgment, type ExportTask } from "./formats/index.js";

const PAGE = 500;
/** The most bytes of one chunk (a piece larger than that is a chunk of its own). */
const CHUNK_BYTES = 1 << 20;
/** Tries of one export before it is failed. */
const MAX_ATTEMPTS = 3;

const timestamp = z.iso.datetime({ offset: true, message: "must be an ISO 8601 date-time" });
const id = z.string().min(1).max(100);

export const exportFilterSchema = z
  .object({
    projectId: id.optional(),
    batchId: id.optional(),
    jobId: id.optional(),
    status: z.enum(TASK_STATUSES).optional(),
    type: z.enum(TASK_TYPES).optional(),
    createdAfter: timestamp.optional(),
    createdBefore: timestamp.optional(),
    completedAfter: timestamp.optional(),
    completedBefore: timestamp.optional(),
  })
  .strict();
export type ExportFilter = z.infer<typeof exportFilterSchema>;

export const exportInputSchema = z.object({ format: z.enum(EXPORT_FORMAT_NAMES), filter: exportFilterSchema.default({}) }).strict();

/** The tasks an export holds; `upTo` fixes the set, so that every reading sees the same tasks. */
interface Selection {
  tenant: Tenant;
  filter: ExportFilter;
  format: ExportFormat;
  upTo: { id: string; completedAt: Date } | null;
}

/** The conditions on tasks `t` of a tenant's filter, and of what the format holds. */
function conditionsOf({ tenant, filter }: Pick<Selection, "tenant" | "filter">): Prisma.Sql[] {
  const conditions = [Prisma.sql`t.customer_id = ${tenant.customerId}`, Prisma.sql`t.environment = ${tenant.environment}`];
  const equal = (column: string, value: string | undefined) => value !== undefined && conditions.push(Prisma.sql`${Prisma.raw(column)} = ${value}`);
  const from = (column: string, after?: string, before?: string) => {
    if (after) conditions.push(Prisma.sql`${Prisma.raw(column)} >= ${new Date(after)}`);
    if (before) conditions.push(Prisma.sql`${Prisma.raw(column)} < ${new Date(before)}`);
  };
  equal("t.project_id", filter.projectId);
  equal("t.batch_id", filter.batchId);
  equal("t.job_id", filter.jobId);
  equal("t.status", filter.status);
  equal("t.type", filter.type);
  from("t.created_at", filter.createdAfter, filter.createdBefore);
  from("t.completed_at", filter.completedAfter, filter.completedBefore);
  return conditions;
}

const holdsType = (format: ExportFormat) => (format.types ? Prisma.sql`t.type IN (${Prisma.join([...format.types])})` : Prisma.sql`true`);
const all = (conditions: Prisma.Sql[]) => Prisma.join(conditions, " AND ");

/** Fixes the selection at the newest matching task now, and counts what the format cannot hold. */
async function select(deps: Pick<Deps, "prisma">, tenant: Tenant, filter: ExportFilter, format: ExportFormat) {
  const where = all(conditionsOf({ tenant, filter }));
  const [found] = await queryRows<{ newest: string | null; other_types: number; open: number }>(
    deps.prisma,
    Prisma.sql`SELECT max(t.id) AS newest, count(*) FILTER (WHERE NOT (${holdsType(format)}))::int AS other_types,
                      count(*) FILTER (WHERE ${holdsType(format)} AND t.status <> 'completed')::int AS open
               FROM tasks t WHERE ${where}`,
  );
  const skipped: Record<string, number> = {};
  if (format.types && found.other_types) skipped[`not a ${format.types.join(" or ")} task`] = found.other_types;
  if (format.completedOnly && found.open) skipped["not completed"] = found.open;
  const selection: Selection = { tenant, filter, format, upTo: found.newest ? { id: found.newest, completedAt: new Date() } : null };
  return { selection, skipped };
}

/** A task's judgments as one JSON array, oldest first: one column of its row. */
const JUDGMENTS = Prisma.sql`(SELECT coalesce(json_agg(json_build_object('annotatorId', j.annotator_id, 'answer', j.answer, 'createdAt', j.created_at) ORDER BY j.created_at), '[]')
  FROM judgments j WHERE j.task_id = t.id) AS judgments`;

/** One reading of the selected tasks, oldest first, a page at a time. */
async function* readTasks(deps: Pick<Deps, "prisma">, selection: Selection): AsyncIterable<ExportTask> {
  if (!selection.upTo) return;
  const conditions = [...conditionsOf(selection), holdsType(selection.format), Prisma.sql`t.id <= ${selection.upTo.id}`];
  if (selection.format.completedOnly) {
    conditions.push(Prisma.sql`t.status = 'completed'`);
    // A task that completes while the export is read would be in one reading and not another.
    conditions.push(Prisma.sql`t.completed_at <= ${selection.upTo.completedAt}`);
  }
  const columns = Prisma.raw(taskColumnsOf("t"));
  const judgments = selection.format.judgments ? JUDGMENTS : Prisma.sql`'[]'::json AS judgments`;
  let after: string | undefined;
  for (;;) {
    const page = all(after ? [...conditions, Prisma.sql`t.id > ${after}`] : conditions);
    const tasks = await queryRows<ExportTask & { judgments: { createdAt: string }[] }>(
      deps.prisma,
      Prisma.sql`SELECT ${columns}, ${judgments} FROM tasks t WHERE ${page} ORDER BY t.id LIMIT ${PAGE}`,
    );
    for (const task of tasks) {
      for (const judgment of task.judgments) (judgment as unknown as ExportJudgment).createdAt = new Date(judgment.createdAt);
      yield task as ExportTask;
    }
    if (tasks.length < PAGE) return;
    after = tasks[tasks.length - 1].id;
  }
}

/** Runs a format over a selection: its bytes, and (once done) how many tasks it wrote and skipped. */
function writeSelection(deps: Pick<Deps, "prisma">, selection: Selection, skipped: Record<string, number>) {
  let readings = 0;
  let written = 0;
  const pieces = selection.format.write({
    tasks: () => {
      const reading = ++readings;
      return (async function* () {
        for await (const task of readTasks(deps, selection)) {
          if (reading === 1) written++;
          yield task;
        }
      })();
    },
    skip: (reason) => {
      if (readings !== 1) return;
      written--;
      skipped[reason] = (skipped[reason] ?? 0) + 1;
    },
  });
  return { pieces, counts: () => ({ taskCount: written, skipped }) };
}

/** POST /v1/exports, createExport: queues the export; a worker builds it. */
export async function createExport(deps: Pick<Deps, "prisma" | "pubsub">, actor: CustomerActor, input: unknown): Promise<Export> {
  assertAllowed(actor, "labels.read");
  const { format, filter } = parseInput(exportInputSchema, input);
  const created = await transaction(deps.prisma, async (tx) => {
    const row = await tx.export.create({ data: { id: newId("exp"), ...tenantOf(actor), format, filter, status: "queued" } });
    await auditCustomerChange(tx, actor, { action: "export.created", targetId: row.id, details: { format } });
    return row;
  });
  deps.pubsub.publish("exports:queued", "all", { exportId: created.id });
  return created;
}

export async function getExport(deps: Pick<Deps, "prisma">, actor: CustomerActor, exportId: string): Promise<Export> {
  assertAllowed(actor, "labels.read");
  const found = await deps.prisma.export.findFirst({ where: { id: exportId, ...tenantOf(actor) } });
  if (!found) throw new NotFoundError(`export ${exportId}`);
  return found;
}

export function listExports(deps: Pick<Deps, "prisma">, actor: CustomerActor, page: { take?: number; skip?: number; cursor?: Prisma.ExportWhereUniqueInput }) {
  assertAllowed(actor, "labels.read");
  return deps.prisma.export.findMany({ where: tenantOf(actor), ...page, orderBy: { id: "desc" } });
}

// Chunks go in and out through pg directly (a Buffer parameter is sent as
// binary; Prisma passed each megabyte through its engine as hex text). A
// download reads a chunk in slices of 32 KB, whose 64 KB of hex text is a
// young object: larger slices went straight to the old generation and made
// the server's memory grow with the file.
const SLICE_BYTES = 32 * 1024;

export interface Download {
  contentType: string;
  fileName: string;
  bytes?: number;
  body: AsyncIterable<Uint8Array | string>;
}

/** GET /v1/exports/{id}/download: the built file, chunk by chunk (409 export_not_ready before). */
export async function downloadExport(deps: Pick<Deps, "prisma">, actor: CustomerActor, exportId: string): Promise<Download> {
  const found = await getExport(deps, actor, exportId);
  if (found.status !== "completed") {
    throw new ConflictError("export_not_ready", `export ${exportId} is ${found.status}${found.error ? ` (${found.error})` : ""}; download it once it is completed`, { status: found.status });
  }
  await auditCustomerChange(deps.prisma, actor, { action: "export.downloaded", targetId: exportId, details: { format: found.format } });
  const format = EXPORT_FORMATS[found.format as ExportFormatName];
  return {
    contentType: format.contentType,
    fileName: `${found.id}.${format.extension}`,
    bytes: Number(found.bytes),
    body: (async function* () {
      for (let seq = 0; ; seq++) {
        for (let from = 1; ; from += SLICE_BYTES) {
          const [slice] = await queryRows<{ data: Buffer }>(
            deps.prisma,
            Prisma.sql`SELECT substring(data FROM ${from}::int FOR ${SLICE_BYTES}::int) AS data FROM export_chunks WHERE export_id = ${exportId} AND seq = ${seq}`,
          );
          if (!slice) return;
          if (slice.data.length) yield slice.data;
          if (slice.data.length < SLICE_BYTES) break;
        }
      }
    })(),
  };
}

/** GET /v1/tasks/export: the same file streamed as it is written, for exports small enough to wait for. */
export async function streamExport(deps: Pick<Deps, "prisma">, actor: CustomerActor, input: unknown): Promise<Download> {
  assertAllowed(actor, "labels.read");
  const { format: name, filter } = parseInput(exportInputSchema, input);
  const format = EXPORT_FORMATS[name];
  const { selection, skipped } = await select(deps, tenantOf(actor), filter, format);
  await auditCustomerChange(deps.prisma, actor, { action: "export.downloaded", details: { format: name, streamed: true } });
  return { contentType: format.contentType, fileName: `tasks.${format.extension}`, body: writeSelection(deps, selection, skipped).pieces };
}

/** Takes the oldest queued export, or one whose builder's lease ran out. */
export async function claimExport(deps: Pick<Deps, "prisma">, leaseMs: number): Promise<{ claimed: Export; leaseToken: string } | null> {
  const leaseToken = randomUUID();
  const [claimed] = await deps.prisma.$queryRaw<{ id: string }[]>`
    UPDATE exports SET status = 'building', lease_token = ${leaseToken}, locked_until = now() + make_interval(secs => ${leaseMs / 1000}), attempts = attempts + 1
    WHERE id = (
      SELECT id FROM exports WHERE status = 'queued' OR (status = 'building' AND locked_until < now())
      ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
    RETURNING id`;
  if (!claimed) return null;
  return { claimed: await deps.prisma.export.findUniqueOrThrow({ where: { id: claimed.id } }), leaseToken };
}

export function hasExportToBuild(deps: Pick<Deps, "prisma">): Promise<boolean> {
  return deps.prisma.export
    .count({ where: { OR: [{ status: "queued" }, { status: "building", lockedUntil: { lt: new Date() } }] }, take: 1 })
    .then((count) => count > 0);
}

class LeaseLost extends Error {}

/**
 * Builds a claimed export from the start (chunks of an earlier try are
 * dropped), renewing the lease with every chunk; completes it and records
 * export.completed. A builder whose lease was taken over stops.
 */
export async function buildExport(deps: Pick<Deps, "prisma">, claimed: Export, leaseToken: string, leaseMs: number): Promise<void> {
  const format = EXPORT_FORMATS[claimed.format as ExportFormatName];
  const tenant = { customerId: claimed.customerId, environment: claimed.environment };
  try {
    await deps.prisma.exportChunk.deleteMany({ where: { exportId: claimed.id } });
    const { selection, skipped } = await select(deps, tenant, claimed.filter as ExportFilter, format);
    const written = writeSelection(deps, selection, skipped);
    // Pieces are encoded straight into one reused chunk buffer: no buffer per piece, no copy to join them.
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    let size = 0;
    let seq = 0;
    let bytes = 0;
    const flush = async (data: Buffer) => {
      await sqlTransaction(deps.prisma, async (tx) => {
        const renewed = await tx.$executeRaw`
          UPDATE exports SET locked_until = now() + make_interval(secs => ${leaseMs / 1000}) WHERE id = ${claimed.id} AND lease_token = ${leaseToken}`;
        if (renewed === 0) throw new LeaseLost();
        if (data.length) await tx.$executeRaw`INSERT INTO export_chunks (export_id, seq, data) VALUES (${claimed.id}, ${seq++}, ${data})`;
      });
      bytes += data.length;
    };
    for await (const piece of written.pieces) {
      const length = typeof piece === "string" ? Buffer.byteLength(piece) : piece.byteLength;
      if (size > 0 && size + length > CHUNK_BYTES) {
        await flush(chunk.subarray(0, size));
        size = 0;
      }
      if (length > CHUNK_BYTES) {
        await flush(typeof piece === "string" ? Buffer.from(piece) : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
        continue;
      }
      if (typeof piece === "string") chunk.write(piece, size);
      else chunk.set(piece, size);
      size += length;
    }
    await flush(chunk.subarray(0, size));
    const { taskCount } = written.counts();
    await transaction(deps.prisma, async (tx) => {
      const done = await tx.export.updateMany({
        where: { id: claimed.id, leaseToken },
        data: { status: "completed", taskCount, skipped, bytes, completedAt: new Date(), leaseToken: null, lockedUntil: null, error: null },
      });
      if (done.count === 0) throw new LeaseLost();
      const completed = await tx.export.findUniqueOrThrow({ where: { id: claimed.id } });
      await recordEvent(tx, completed, "export.completed", exportView(completed));
    });
  } catch (error) {
    if (error instanceof LeaseLost) return;
    const failed = claimed.attempts >= MAX_ATTEMPTS;
    await deps.prisma.export.updateMany({
      where: { id: claimed.id, leaseToken },
      data: failed
        ? { status: "failed", error: "the export could not be built", leaseToken: null, lockedUntil: null }
        : { status: "queued", leaseToken: null, lockedUntil: null },
    });
    throw error;
  }
}
