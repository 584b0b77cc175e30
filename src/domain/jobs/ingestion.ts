// Ingesting a job's manifest, in two streamed passes, resumable at any point:
//
// 1. count: every line is checked; totals and the first line errors are
//    recorded, and the valid lines' labels are charged to the quota at once
//    (a job that does not fit fails before creating any task);
// 2. create: tasks are inserted in chunks, each chunk in one transaction that
//    also records the last line done. A task is keyed by (job, line), so a
//    process that dies mid-chunk and its successor never make a line twice.
//
// A process holds a job under a lease it renews; when the process dies, the
// lease lapses and any process continues where the last chunk ended.
import { transaction, type Tx } from "../../db/transaction.js";
import { existenceCheck } from "../../db/database.js";
import type { Deps } from "../../deps.js";
import type { Job } from "../../generated/prisma/client.js";
import { AppError, secretBox, tenantTopic, type CustomerActor, type Environment } from "../shared/index.js";
import { cancelJobTasks, chargeQuota, hasOpenTask, refundQuota, insertTaskRows, jobTaskCounts, taskRow, type TaskRow } from "../tasks/index.js";
import { jobView } from "../representations/index.js";
import { recordEvent } from "../webhooks/index.js";
import { lineReader } from "./job-input.js";
import { JobFailure, linesOf, openManifest, type S3Credentials } from "./manifest.js";

/** A job in one of these has ended: it neither ingests nor changes again. */
export const isJobEnded = (status: string) => status === "completed" || status === "failed" || status === "canceled";

/** Lines whose tasks are inserted in one transaction. */
const CHUNK_LINES = 1_000;
/** Chunks being inserted at once (they commit in order). */
const CHUNKS_IN_FLIGHT = 2;
/** Line errors kept on the job (the counts cover all of them). */
export const MAX_LINE_ERRORS = 100;

const anyUnfinishedJob = existenceCheck("any-unfinished-job", "SELECT 1 FROM jobs WHERE status IN ('queued', 'ingesting', 'labeling') LIMIT 1");

/** Whether any job is still to ingest or labeling: an idle ingester looks before it claims. */
export function hasUnfinishedJobs(deps: Pick<Deps, "prisma">): Promise<boolean> {
  return anyUnfinishedJob(deps.prisma, []);
}

/** Takes the next job that needs ingesting and is not held by a live process; null when none. */
export async function claimJob(deps: Pick<Deps, "prisma" | "config">): Promise<Job | null> {
  return transaction(deps.prisma, async (tx) => {
    const [row] = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM jobs
      WHERE status IN ('queued', 'ingesting') AND (locked_until IS NULL OR locked_until < now())
      ORDER BY id LIMIT 1
      FOR UPDATE SKIP LOCKED`;
    if (!row) return null;
    return tx.job.update({ where: { id: row.id }, data: { status: "ingesting", lockedUntil: leaseEnd(deps) } });
  });
}

const leaseEnd = (deps: Pick<Deps, "config">) => new Date(Date.now() + deps.config.jobs.leaseMs);

/** Thrown to stop between chunks when the process shuts down. */
class Stopped extends Error {}

/**
 * Runs a claimed job's ingestion to its end (labeling, completed, failed), or
 * until it is canceled, or until `isStopped` (shutdown): then the lease is
 * handed back and the next process to start continues from the last chunk.
 */
export async function ingestJob(deps: Pick<Deps, "prisma" | "config" | "pubsub" | "logger">, job: Job, isStopped: () => boolean = () => false): Promise<void> {
  const checkStop = () => {
    if (isStopped()) throw new Stopped();
  };
  try {
    const actor: CustomerActor = { kind: "customer", customerId: job.customerId, environment: job.environment as Environment };
    const credentials = job.credentialsSealed
      ? (JSON.parse(secretBox(deps.config.serverSecret).open(job.credentialsSealed)) as S3Credentials)
      : null;
    let current = job;
    const started = Date.now();
    // Pass 1 is done once the totals are recorded (a job with no valid line has ended by then).
    if (current.totalLines === 0) current = await countLines(deps, current, actor, credentials, checkStop);
    const counted = Date.now();
    if (current.status === "ingesting") await createTasks(deps, current, actor, credentials, checkStop);
    deps.logger.info({ jobId: job.id, lines: current.totalLines, countMs: counted - started, createMs: Date.now() - counted }, "job ingestion ended");
  } catch (error) {
    if (error instanceof Stopped) {
      await deps.prisma.job.updateMany({ where: { id: job.id, status: "ingesting" }, data: { lockedUntil: null } });
      return;
    }
    if (!(error instanceof JobFailure)) throw error;
    await failJob(deps, job.id, error.code, error.message);
  } finally {
    publishJob(deps, job);
  }
}

function manifestOptions(deps: Pick<Deps, "config">) {
  return { s3Endpoint: deps.config.jobs.s3Endpoint, allowPrivateTargets: deps.config.allowPrivateWebhookTargets, maxLineBytes: deps.config.jobs.maxLineBytes };
}

async function countLines(
  deps: Pick<Deps, "prisma" | "config" | "pubsub">,
  job: Job,
  actor: CustomerActor,
  credentials: S3Credentials | null,
  checkStop: () => void,
): Promise<Job> {
  const options = manifestOptions(deps);
  let total = 0;
  let valid = 0;
  const errors: { line: number; reason: string }[] = [];
  const read = lineReader(job, actor.environment, options);
  for await (const line of linesOf(await openManifest(job.manifestUrl, credentials, options), options.maxLineBytes)) {
    total++;
    if (total > deps.config.jobs.maxLines) {
      throw new JobFailure("manifest_too_large", `the manifest has more than ${deps.config.jobs.maxLines} lines (JOB_MAX_LINES)`);
    }
    const outcome = read(line.text);
    if ("task" in outcome) valid++;
    else if (errors.length < MAX_LINE_ERRORS) errors.push({ line: line.number, reason: outcome.problem });
    if (total % CHUNK_LINES === 0) checkStop();
    if (total % 10_000 === 0) await renewLease(deps, job.id);
  }
  return transaction(deps.prisma, async (tx) => {
    await tx.$queryRaw`SELECT id FROM customers WHERE id = ${job.customerId} FOR UPDATE`;
    const current = await lockedJob(tx, job.id);
    if (current.status !== "ingesting" || current.totalLines > 0) return current; // canceled, or counted by another process
    try {
      if (valid > 0) await chargeQuota(tx, job.customerId, job.environment as Environment, valid);
    } catch (error) {
      if (error instanceof AppError && error.code === "quota_exceeded") throw new JobFailure("quota_exceeded", `${error.message} (${valid} valid lines)`);
      throw error;
    }
    await tx.job.update({
      where: { id: job.id },
      data: {
        totalLines: total,
        validLines: valid,
        invalidLines: total - valid,
        lineErrors: errors,
        reservedLabels: valid,
        // Nothing to create: the job goes straight to labeling, and completes at the next sweep.
        ...(valid === 0 ? { status: "labeling" } : {}),
        lockedUntil: leaseEnd(deps),
      },
    });
    return tx.job.findUniqueOrThrow({ where: { id: job.id } });
  });
}

async function createTasks(
  deps: Pick<Deps, "prisma" | "config" | "pubsub">,
  job: Job,
  actor: CustomerActor,
  credentials: S3Credentials | null,
  checkStop: () => void,
) {
  const options = manifestOptions(deps);
  let chunk: TaskRow[] = [];
  let lastLine = job.ingestedThrough;
  // Chunks are saved while the next ones are read and checked, two at a
  // time (the database inserts both at once), and commit in order: a chunk
  // commits only after the one before it, so the resume point only moves
  // over lines whose tasks exist.
  const read = lineReader(job, actor.environment, options);
  const inFlight: Promise<boolean>[] = [];
  let previous: Promise<boolean> = Promise.resolve(true);
  const save = async (rows: TaskRow[], through: number, last: boolean) => {
    if (inFlight.length >= CHUNKS_IN_FLIGHT && !(await inFlight.shift()!)) return false;
    const saving = saveChunk(deps, job, rows, through, last, previous);
    saving.catch(() => {}); // awaited later; not an unhandled rejection meanwhile
    inFlight.push(saving);
    previous = saving;
    return true;
  };
  try {
    for await (const line of linesOf(await openManifest(job.manifestUrl, credentials, options), options.maxLineBytes)) {
      if (line.number <= job.ingestedThrough) continue;
      const outcome = read(line.text);
      if ("task" in outcome) chunk.push(taskRow(actor, outcome.task, { job: { id: job.id, line: line.number, manifestLine: outcome.manifestLine } }));
      lastLine = line.number;
      if (chunk.length >= CHUNK_LINES) {
        if (!(await save(chunk, lastLine, false))) return;
        chunk = [];
        checkStop();
      }
    }
    if (await save(chunk, lastLine, true)) await previous;
  } finally {
    // Stopping or failing: the chunks in flight end (commit or not) before the lease is handed back.
    await Promise.allSettled(inFlight);
  }
}

/** Thrown inside a chunk's transaction to roll it back: the job stopped ingesting. */
class NotIngesting extends Error {}

/**
 * Inserts a chunk, then (once the chunk before it has committed) moves the
 * job's resume point past it. False, and nothing inserted, when the job was
 * canceled meanwhile.
 */
async function saveChunk(
  deps: Pick<Deps, "prisma" | "config" | "pubsub">,
  job: Job,
  rows: TaskRow[],
  lastLine: number,
  last: boolean,
  previousChunk: Promise<boolean>,
): Promise<boolean> {
  try {
    await transaction(deps.prisma, async (tx) => {
      const inserted = await insertTaskRows(tx, rows);
      if (!(await previousChunk)) throw new NotIngesting();
      // NO KEY UPDATE: the next chunk's inserts hold KEY SHARE on the job row
      // (their foreign key) while they wait for this one; FOR UPDATE would wait for them.
      const [current] = await tx.$queryRaw<{ status: string }[]>`SELECT status FROM jobs WHERE id = ${job.id} FOR NO KEY UPDATE`;
      if (current.status !== "ingesting") throw new NotIngesting();
      await tx.job.update({
        where: { id: job.id },
        data: {
          tasksCreated: { increment: inserted },
          ingestedThrough: lastLine,
          lockedUntil: last ? null : leaseEnd(deps),
          ...(last ? { status: "labeling" } : {}),
        },
      });
    });
  } catch (error) {
    if (error instanceof NotIngesting) return false;
    throw error;
  }
  publishJob(deps, job);
  return true;
}

/**
 * Completes the jobs that are fully ingested and have no open task left (the
 * worker sweeps after each round). Runs after the tasks' commits, so two last
 * tasks ending at once cannot each leave the job open for the other.
 * Their S3 credentials are no longer needed and are wiped. Returns how many.
 */
export async function completeFinishedJobs(deps: Pick<Deps, "prisma" | "pubsub">): Promise<number> {
  // One probe per labeling job along the (job_id, status) index; only the finished ones are locked.
  const candidates = await deps.prisma.$queryRaw<{ id: string }[]>`
    SELECT j.id FROM jobs j
    WHERE j.status = 'labeling'
      AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.job_id = j.id AND t.status IN ('pending', 'in_progress'))
    LIMIT 100`;
  let completed = 0;
  for (const { id } of candidates) {
    const job = await transaction(deps.prisma, async (tx) => {
      const [locked] = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM jobs WHERE id = ${id} AND status = 'labeling' FOR UPDATE SKIP LOCKED`;
      if (!locked || (await hasOpenTask(tx, { jobId: id }))) return null;
      const done = await tx.job.update({ where: { id }, data: { status: "completed", completedAt: new Date(), credentialsSealed: null, lockedUntil: null } });
      await recordEvent(tx, done, "job.completed", jobView(done, await jobTaskCounts(tx, id)));
      return done;
    });
    if (job) {
      publishJob(deps, job);
      completed++;
    }
  }
  return completed;
}

async function renewLease(deps: Pick<Deps, "prisma" | "config">, jobId: string) {
  await deps.prisma.job.updateMany({ where: { id: jobId, status: "ingesting" }, data: { lockedUntil: leaseEnd(deps) } });
}

async function lockedJob(tx: Tx, jobId: string): Promise<Job> {
  await tx.$queryRaw`SELECT id FROM jobs WHERE id = ${jobId} FOR UPDATE`;
  return tx.job.findUniqueOrThrow({ where: { id: jobId } });
}

/**
 * Ends a job that cannot go on (failed) or is no longer wanted (canceled):
 * its open tasks are canceled, labels not spent go back to the quota, and its
 * credentials are wiped. Null when the job had already ended.
 */
export async function endJob(tx: Tx, jobId: string, status: "failed" | "canceled", failure?: { code: string; reason: string }): Promise<Job | null> {
  // Lock order: customer, then the job's tasks (in cancelJobTasks), then the job.
  const job = await tx.job.findUniqueOrThrow({ where: { id: jobId } });
  await tx.$queryRaw`SELECT id FROM customers WHERE id = ${job.customerId} FOR UPDATE`;
  await cancelJobTasks(tx, jobId, job.customerId, job.environment as Environment);
  const current = await lockedJob(tx, jobId);
  if (isJobEnded(current.status)) return null;
  // Labels reserved for lines that never became tasks.
  const unspent = Math.max(0, current.reservedLabels - current.tasksCreated);
  await refundQuota(tx, current.customerId, current.environment as Environment, unspent);
  const ended = await tx.job.update({
    where: { id: jobId },
    data: {
      status,
      completedAt: new Date(),
      credentialsSealed: null,
      lockedUntil: null,
      reservedLabels: current.tasksCreated,
      ...(failure ? { failureCode: failure.code, failureReason: failure.reason.slice(0, 2000) } : {}),
    },
  });
  if (status === "failed") await recordEvent(tx, ended, "job.failed", jobView(ended, await jobTaskCounts(tx, jobId)));
  return ended;
}

async function failJob(deps: Pick<Deps, "prisma" | "logger">, jobId: string, code: string, reason: string) {
  await transaction(deps.prisma, (tx) => endJob(tx, jobId, "failed", { code, reason }));
  deps.logger.info({ jobId, code }, "job failed");
}

export function publishJob(deps: Pick<Deps, "pubsub">, job: Pick<Job, "id" | "customerId" | "environment" | "status">) {
  deps.pubsub.publish("customer:jobs", tenantTopic(job), { jobId: job.id, customerId: job.customerId, environment: job.environment, status: job.status });
}
