// Keeps the event feed to its retention (EVENT_RETENTION_DAYS): deletes what
// has aged out, in bounded rounds. Any number of processes may run it.
import type { Deps } from "../deps.js";
import { pruneEvents } from "../domain/webhooks/index.js";
import { startPollingWorker, type Worker } from "./worker.js";

const ROUND = 5000;

export function startEventPruner(deps: Deps, options: { idleMs?: number } = {}): Worker {
  return startPollingWorker({
    name: "event-pruner",
    logger: deps.logger,
    // Retention is counted in days: a few minutes late is nothing.
    idleMs: options.idleMs ?? 300_000,
    prepare: async () => {},
    tick: async () => {
      const deleted = await pruneEvents(deps, deps.config.eventRetentionDays, ROUND);
      if (deleted > 0) deps.logger.info({ deleted }, "expired events deleted");
      // A full round: more may be waiting.
      return deleted === ROUND;
    },
  });
}
