// Keeps the dashboard's rollups small: folds the rows the triggers added since
// the last round. Any number of processes may run it; one at a time works.
import type { Deps } from "../deps.js";
import { compactRollups } from "../domain/dashboard/index.js";
import { startPollingWorker, type Worker } from "./worker.js";

export function startRollupCompactor(deps: Deps, options: { idleMs?: number } = {}): Worker {
  return startPollingWorker({
    name: "rollup-compactor",
    logger: deps.logger,
    // Readers are correct without it; it only bounds how many rows they sum.
    idleMs: options.idleMs ?? 5_000,
    prepare: async () => {},
    tick: async () => {
      await compactRollups(deps);
      return false;
    },
  });
}
