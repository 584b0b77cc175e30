// Ingests batch jobs' manifests, one job at a time per process, and completes
// the jobs whose tasks have all ended. Any number of processes can run it: a
// job is held under a lease (FOR UPDATE SKIP LOCKED to claim), and a lapsed
// lease lets another process continue where it stopped.
import type { Deps } from "../deps.js";
import { claimJob, completeFinishedJobs, hasUnfinishedJobs, ingestJob } from "../domain/jobs/index.js";
import { startPollingWorker, type Worker } from "./worker.js";

export function startManifestIngester(deps: Deps, options: { idleMs?: number } = {}): Worker {
  const worker = startPollingWorker({
    name: "manifest-ingester",
    logger: deps.logger,
    idleMs: options.idleMs ?? 500,
    prepare: async () => {},
    hasWork: () => hasUnfinishedJobs(deps),
    tick: async () => {
      const job = await claimJob(deps);
      if (job) await ingestJob(deps, job, () => worker.isStopped());
      const completed = await completeFinishedJobs(deps);
      return job !== null || completed > 0;
    },
    drain: () => stopFollowing(),
  });
  // A new job (created by any process) starts now, not at the next poll.
  const queued = deps.pubsub.listen("jobs:queued", "all");
  const following = queued.then(async (events) => {
    for await (const _event of events) worker.wake();
  });
  following.catch((error) => deps.logger.error({ err: error }, "manifest-ingester: stopped following new jobs"));
  const stopFollowing = async () => {
    await (await queued.catch(() => undefined))?.return?.();
    await following.catch(() => {});
  };
  return worker;
}
