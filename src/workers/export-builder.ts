// Builds queued exports, one at a time per process. Any number of processes
// may run it: a claim is a lease, renewed with every chunk written, and an
// export whose builder died is taken over when its lease runs out.
import type { Deps } from "../deps.js";
import { buildExport, claimExport, hasExportToBuild } from "../domain/exports/index.js";
import { startPollingWorker, wakeOnEvents, type Worker } from "./worker.js";

export function startExportBuilder(deps: Deps, options: { idleMs?: number; leaseMs?: number } = {}): Worker {
  const leaseMs = options.leaseMs ?? 60_000;
  const worker = startPollingWorker({
    name: "export-builder",
    logger: deps.logger,
    idleMs: options.idleMs ?? 5_000,
    prepare: async () => {},
    hasWork: () => hasExportToBuild(deps),
    tick: async () => {
      const claim = await claimExport(deps, leaseMs);
      if (!claim) return false;
      const started = Date.now();
      await buildExport(deps, claim.claimed, claim.leaseToken, leaseMs);
      deps.logger.info({ exportId: claim.claimed.id, format: claim.claimed.format, ms: Date.now() - started }, "export built");
      return true;
    },
    drain: () => stopFollowing(),
  });
  const stopFollowing = wakeOnEvents(deps, "exports:queued", worker);
  return worker;
}
