// Exports: any subset of a customer environment's tasks (by project, batch,
// job, status, type, created and completed ranges) in a training format. An
// export is built in the background into chunks of the database (any process
// serves its download; memory stays flat however many tasks it holds); the
// building process holds a lease, and when it dies another takes the export
// over and builds it again. The same writers also stream small exports
// straight into a response (GET /v1/tasks/export).
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { transaction } from "../../db/transaction.js";
import type { Deps } from "../../deps.js";
import type { Export, Prisma } from "../../generated/prisma/client.js";
import { assertAllowed } from "../accounts/index.js";
import { auditCustomerChange } from "../audit/index.js";
import { exportView } from "../representations/index.js";
import { ConflictError, newId, NotFoundError, parseInput, tenantOf, type CustomerActor, type Tenant } from "../shared/index.js";
import { TASK_STATUSES, TASK_TYPES } from "../tasks/index.js";
import { recordEvent } from "../webhooks/index.js";
import { EXPORT_FORMAT_NAMES, EXPORT_FORMATS, type ExportFormat, type ExportFormatName, type ExportTask } from "./formats/index.js";

const PAGE = 500;
/** Bytes gathered before a chunk is written. */
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

function whereOf({ tenant, filter }: Pick<Selection, "tenant" | "filter">): Prisma.TaskWhereInput {
  const range = (after?: string, before?: string) =>
    after || before ? { ...(after ? { gte: new Date(after) } : {}), ...(before ? { lt: new Date(before) } : {}) } : undefined;
  return {
    ...tenant,
    ...(filter.projectId ? { projectId: filter.projectId } : {}),
    ...(filter.batchId ? { batchId: filter.batchId } : {}),
    ...(filter.jobId ? { jobId: filter.jobId } : {}),
    ...(filter.status ? { status: filter.status } : {}),
    ...(filter.type ? { type: filter.type } : {}),
    ...(range(filter.createdAfter, filter.createdBefore) ? { createdAt: range(filter.createdAfter, filter.createdBefore) } : {}),
    ...(range(filter.completedAfter, filter.completedBefore) ? { completedAt: range(filter.completedAfter, filter.completedBefore) } : {}),
  };
}

/** What the format holds of what the filter matched. */
function holdableWhere(format: ExportFormat): Prisma.TaskWhereInput {
  return { ...(format.types ? { type: { in: [...format.types] } } : {}), ...(format.completedOnly ? { status: "completed" } : {}) };
}

/** Fixes the selection at the newest matching task now, and counts what the format cannot hold. */
async function select(deps: Pick<Deps, "prisma">, tenant: Tenant, filter: ExportFilter, format: ExportFormat) {
  const where = whereOf({ tenant, filter });
  const newest = await deps.prisma.task.findFirst({ where, orderBy: { id: "desc" }, select: { id: true } });
  const skipped: Record<string, number> = {};
  if (format.types) {
    const otherTypes = await deps.prisma.task.count({ where: { AND: [where, { type: { notIn: [...format.types] } }] } });
    if (otherTypes) skipped[`not a ${format.types.join(" or ")} task`] = otherTypes;
  }
  if (format.completedOnly) {
    const open = await deps.prisma.task.count({ where: { AND: [where, format.types ? { type: { in: [...format.types] } } : {}, { status: { not: "completed" } }] } });
    if (open) skipped["not completed"] = open;
  }
  const selection: Selection = { tenant, filter, format, upTo: newest ? { id: newest.id, completedAt: new Date() } : null };
  return { selection, skipped };
}

/** One reading of the selected tasks, oldest first, a page at a time. */
async function* readTasks(deps: Pick<Deps, "prisma">, selection: Selection): AsyncIterable<ExportTask> {
  if (!selection.upTo) return;
  const where: Prisma.TaskWhereInput = {
    AND: [
      whereOf(selection),
      holdableWhere(selection.format),
      { id: { lte: selection.upTo.id } },
      // A task that completes while the export is read would be in one reading and not another.
      selection.format.completedOnly ? { completedAt: { lte: selection.upTo.completedAt } } : {},
    ],
  };
  let after: string | undefined;
  for (;;) {
    const tasks = await deps.prisma.task.findMany({
      where: after ? { AND: [where, { id: { gt: after } }] } : where,
      orderBy: { id: "asc" },
      take: PAGE,
      ...(selection.format.judgments ? { include: { judgments: { select: { annotatorId: true, answer: true, createdAt: true }, orderBy: { createdAt: "asc" } } } } : {}),
    });
    yield* tasks.map((task) => ({ judgments: [], ...task }) as ExportTask);
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
        const chunk = await deps.prisma.exportChunk.findUnique({ where: { exportId_seq: { exportId, seq } }, select: { data: true } });
        if (!chunk) return;
        yield chunk.data;
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
    let parts: Buffer[] = [];
    let size = 0;
    let seq = 0;
    let bytes = 0;
    const flush = async () => {
      const data = Buffer.concat(parts);
      parts = [];
      size = 0;
      await transaction(deps.prisma, async (tx) => {
        const renewed = await tx.$executeRaw`
          UPDATE exports SET locked_until = now() + make_interval(secs => ${leaseMs / 1000}) WHERE id = ${claimed.id} AND lease_token = ${leaseToken}`;
        if (renewed === 0) throw new LeaseLost();
        if (data.length) await tx.exportChunk.create({ data: { exportId: claimed.id, seq: seq++, data } });
      });
      bytes += data.length;
    };
    for await (const piece of written.pieces) {
      const buffer = typeof piece === "string" ? Buffer.from(piece) : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
      parts.push(buffer);
      size += buffer.length;
      if (size >= CHUNK_BYTES) await flush();
    }
    await flush();
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
