// Batch jobs as customers see them: create (validated, URL checked against
// SSRF, credentials sealed), read, list, cancel, and follow live.
import { transaction } from "../../db/transaction.js";
import type { Deps } from "../../deps.js";
import type { Job, Prisma } from "../../generated/prisma/client.js";
import type { JobEvent, TaskEvent } from "../../pubsub.js";
import { closingSourcesOnReturn, ConflictError, newId, NotFoundError, parseInput, secretBox, tenantOf, tenantTopic, ValidationError, type CustomerActor } from "../shared/index.js";
import { isActorsEvent, JOB_PROJECT_FIELDS, jobTaskCounts, rankPreferences, withProjectDefaults, type PreferenceRanking, type StatusCounts } from "../tasks/index.js";
import { assertSafeTarget } from "../webhooks/index.js";
import { endJob, isJobEnded, publishJob } from "./ingestion.js";
import { jobInputSchema, labelSpecProblem } from "./job-input.js";
import { isS3Url, objectUrl } from "./manifest.js";
import { auditCustomerChange } from "../audit/index.js";

/** POST /v1/jobs, createJob: queued for a worker to ingest. */
export async function createJob(deps: Pick<Deps, "prisma" | "config" | "pubsub">, actor: CustomerActor, input: unknown): Promise<Job> {
  const withProject = await withProjectDefaults(deps, actor, [input], () => [], undefined, JOB_PROJECT_FIELDS);
  if (withProject.problems.length) throw ValidationError.of(withProject.problems);
  const value = parseInput(jobInputSchema, withProject.items[0]);
  const specProblem = labelSpecProblem(value);
  if (specProblem) throw ValidationError.of([{ path: "labelSpec", message: specProblem }]);
  const fetchedFrom = isS3Url(value.manifestUrl)
    ? objectUrl(value.manifestUrl, value.s3Credentials?.region ?? "us-east-1", deps.config.jobs.s3Endpoint)
    : new URL(value.manifestUrl);
  await assertSafeTarget(fetchedFrom, deps.config.allowPrivateWebhookTargets, "manifestUrl", "unsafe_manifest_url");
  if (value.callbackUrl) await assertSafeTarget(new URL(value.callbackUrl), deps.config.allowPrivateWebhookTargets, "callbackUrl");
  const job = await deps.prisma.job.create({
    data: {
      id: newId("job"),
      ...tenantOf(actor),
      status: "queued",
      manifestUrl: value.manifestUrl,
      type: value.type ?? null,
      labelSpec: value.labelSpec as Prisma.InputJsonValue,
      replication: value.replication ?? null,
      priority: value.priority ?? null,
      callbackUrl: value.callbackUrl ?? null,
      projectId: value.projectId ?? null,
      // Encrypted, and only until the job no longer reads its manifest.
      credentialsSealed: value.s3Credentials ? secretBox(deps.config.serverSecret).seal(JSON.stringify(value.s3Credentials)) : null,
    },
  });
  publishJob(deps, job);
  deps.pubsub.publish("jobs:queued", "all", { jobId: job.id });
  return job;
}

export async function getJob(deps: Pick<Deps, "prisma">, actor: CustomerActor, jobId: string): Promise<Job> {
  const job = await deps.prisma.job.findFirst({ where: { id: jobId, ...tenantOf(actor) } });
  if (!job) throw new NotFoundError(`job ${jobId}`);
  return job;
}

/** The ranking of the responses a job's pairwise_preference tasks compared. */
export async function rankJobPreferences(deps: Pick<Deps, "prisma">, actor: CustomerActor, jobId: string): Promise<PreferenceRanking> {
  const job = await getJob(deps, actor, jobId);
  return rankPreferences(deps, job, { jobId: job.id });
}

/** A job with the counts of its tasks by status (what its representation shows). */
export async function getJobWithCounts(deps: Pick<Deps, "prisma">, actor: CustomerActor, jobId: string): Promise<{ job: Job; counts: StatusCounts }> {
  const job = await getJob(deps, actor, jobId);
  return { job, counts: await jobTaskCounts(deps.prisma, job.id) };
}

/** A customer's jobs, newest first; `query` carries the cursor and page size. */
export function listJobs(deps: Pick<Deps, "prisma">, actor: CustomerActor, query: { take?: number; skip?: number; cursor?: Prisma.JobWhereUniqueInput }) {
  return deps.prisma.job.findMany({ ...query, where: tenantOf(actor), orderBy: { id: "desc" } });
}

/** POST /v1/jobs/{id}/cancel: stops ingestion, cancels open tasks, refunds what was not labeled. */
export async function cancelJob(deps: Pick<Deps, "prisma" | "pubsub">, actor: CustomerActor, jobId: string): Promise<Job> {
  await getJob(deps, actor, jobId);
  const ended = await transaction(deps.prisma, async (tx) => {
    const done = await endJob(tx, jobId, "canceled");
    if (done) await auditCustomerChange(tx, actor, { action: "job.canceled", targetId: jobId });
    return done;
  });
  const job = await getJob(deps, actor, jobId);
  if (!ended) throw new ConflictError("job_not_cancelable", `job ${jobId} is already ${job.status}`);
  publishJob(deps, job);
  return job;
}

/** At most this many updates per second reach a jobProgress subscriber. */
const UPDATES_PER_SECOND = 4;

/**
 * jobProgress: the job now, then again after every change (its own or one of
 * its tasks'), at most a few times a second; ends once the job has ended.
 * Subscribed before the first read, so no change falls between them.
 */
export async function followJob(deps: Pick<Deps, "prisma" | "pubsub">, actor: CustomerActor, jobId: string): Promise<AsyncIterable<{ job: Job; counts: StatusCounts }>> {
  await getJob(deps, actor, jobId);
  const changes = mergeChanges(
    await deps.pubsub.listen("customer:jobs", tenantTopic(tenantOf(actor))),
    await deps.pubsub.listen("customer:tasks", tenantTopic(tenantOf(actor))),
    (event) => isActorsEvent(actor, event) && event.jobId === jobId,
  );
  const stream = (async function* () {
    try {
      let last = 0;
      for (;;) {
        const current = await getJobWithCounts(deps, actor, jobId);
        yield current;
        if (isJobEnded(current.job.status)) return;
        if (!(await changes.next())) return;
        const wait = last + 1000 / UPDATES_PER_SECOND - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        last = Date.now();
        changes.drain();
      }
    } finally {
      changes.close();
    }
  })();
  return closingSourcesOnReturn(stream, changes.close);
}

/** Both event streams as one "something changed" signal; events that pile up count once. */
function mergeChanges(
  jobs: AsyncIterable<JobEvent>,
  tasks: AsyncIterable<TaskEvent>,
  relevant: (event: JobEvent | TaskEvent) => boolean,
) {
  let pending = false;
  let closed = false;
  let wake: ((more: boolean) => void) | undefined;
  const iterators = [jobs[Symbol.asyncIterator](), tasks[Symbol.asyncIterator]()] as AsyncIterator<JobEvent | TaskEvent>[];
  for (const iterator of iterators) {
    void (async () => {
      for (let next = await iterator.next(); !next.done && !closed; next = await iterator.next()) {
        if (!relevant(next.value)) continue;
        pending = true;
        wake?.(true);
      }
    })();
  }
  return {
    next: () =>
      new Promise<boolean>((resolve) => {
        if (closed) return resolve(false);
        if (pending) return resolve(true);
        wake = resolve;
      }),
    drain: () => {
      pending = false;
    },
    close: () => {
      closed = true;
      wake?.(false);
      for (const iterator of iterators) void iterator.return?.();
    },
  };
}
