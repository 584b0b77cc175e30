// The sandbox labeler: the simulated crowd works the "simulated" queue through
// the real engine's rules, a round of many tasks at a time
// (domain/labeling/sandbox-rounds.ts), so sandbox tasks complete within
// seconds and a 100,000-line job within minutes. Any number of processes can
// run it: rounds claim with FOR UPDATE SKIP LOCKED.
import type { Deps } from "../deps.js";
import { ensureSandboxCrowd, hasOpenTasks, labelSandboxRound, sandboxCrowd } from "../domain/labeling/index.js";
import { startPollingWorker, type Worker } from "./worker.js";

export function startSandboxLabeler(deps: Deps, options: { seed: number; crowd: { accuracy: number; seconds?: number }[]; idleMs?: number }): Worker {
  const worker = startPollingWorker({
    name: "sandbox-labeler",
    logger: deps.logger,
    idleMs: options.idleMs ?? 200,
    prepare: () => ensureSandboxCrowd(deps, sandboxCrowd(options.crowd)),
    // Idle, a round would open a transaction to find nothing, five times a second.
    hasWork: () => hasOpenTasks(deps, "simulated"),
    tick: async (crowd) => {
      let worked = false;
      while (!worker.isStopped()) {
        const round = await labelSandboxRound(deps, crowd, { seed: options.seed });
        for (const task of round.tasks) deps.metrics.judgment("simulated", task.status, task.judgmentCount);
        if (round.tasks.length === 0) break;
        worked = true;
      }
      return worked;
    },
  });
  return worker;
}
