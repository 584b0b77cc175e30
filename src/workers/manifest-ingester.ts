// Ingests batch jobs' manifests, one job at a time per process, and completes
// the jobs whose tasks have all ended. Any number of processes can run it: a
// job is held under a lease (FOR UPDATE SKIP LOCKED to claim), and a lapsed
// lease lets another process continue where it stopped.
import type { Deps } from "../deps.js";
import { claimJob, completeFinishedJobs, hasUnfinishedJobs, ingestJob } from "../domain/jobs/index.js";
import { startPollingWorker, wakeOnEvents, type Worker } from "./worker.js";

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
  const stopFollowing = wakeOnEvents(deps, "jobs:queued", worker);
  return worker;
}
